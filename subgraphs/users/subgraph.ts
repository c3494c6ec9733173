import type { SubgraphDefinition } from '../kit/definition';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { resolveUserReference } from './user.reference';
import { DataExportResolver, startDataExportWorker, type DataExportWorker } from './exports';
import { consumeWebhookEvents, startWebhookWorker, WebhookResolver, type WebhookWorker } from './webhooks';

export interface UsersResources {
  webhooks: WebhookWorker;
  exports: DataExportWorker;
}

export const usersSubgraph: SubgraphDefinition<UsersLoaders, UsersResources> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver, WebhookResolver, DataExportResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
  init: (deps) => ({ webhooks: startWebhookWorker(deps), exports: startDataExportWorker(deps) }),
  consumeEvents: (deps, resources) => consumeWebhookEvents(deps, resources.webhooks),
  dispose: async (resources) => {
    await Promise.all([resources.webhooks.close(), resources.exports.close()]);
  },
};
