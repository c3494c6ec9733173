import type { SubgraphDefinition } from '../kit/definition';
import { AuditResolver } from './audit.resolver';
import { ErasureResolver } from './erasure.resolver';
import { DataExportResolver } from './exports';
import { consumeErasureReports } from './erasure.events';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { createResources, disposeResources, type UsersResources } from './resources';
import { resolveUserReference } from './user.reference';
import { consumeWebhookEvents, WebhookResolver } from './webhooks';

export const usersSubgraph: SubgraphDefinition<UsersLoaders, UsersResources> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver, WebhookResolver, ErasureResolver, DataExportResolver, AuditResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
  init: createResources,
  consumeEvents: (deps, resources) => [...consumeWebhookEvents(deps, resources.webhooks), ...consumeErasureReports(deps)],
  dispose: disposeResources,
};
