import type { SubgraphDefinition } from '../kit/definition';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { resolveUserReference } from './user.reference';
import { consumeWebhookEvents, startWebhookWorker, WebhookResolver, type WebhookWorker } from './webhooks';

export const usersSubgraph: SubgraphDefinition<UsersLoaders, { webhooks: WebhookWorker }> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver, WebhookResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
  init: (deps) => ({ webhooks: startWebhookWorker(deps) }),
  consumeEvents: (deps, resources) => consumeWebhookEvents(deps, resources.webhooks),
  dispose: (resources) => resources.webhooks.close(),
};
