import type { SubgraphDefinition } from '../kit/definition';
import { ErasureResolver } from './erasure.resolver';
import { consumeErasureReports } from './erasure.events';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { createResources, disposeResources, type UsersResources } from './resources';
import { resolveUserReference } from './user.reference';
import { consumeWebhookEvents, WebhookResolver } from './webhooks';

export const usersSubgraph: SubgraphDefinition<UsersLoaders, UsersResources> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver, WebhookResolver, ErasureResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
  init: createResources,
  consumeEvents: (deps, resources) => [...consumeWebhookEvents(deps, resources.webhooks), ...consumeErasureReports(deps)],
  dispose: disposeResources,
};
