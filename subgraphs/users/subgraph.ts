import type { SubgraphDefinition } from '../kit/definition';
import { createLoaders, type UsersLoaders } from './loaders';
import { PartnerResolver } from './partner.resolver';
import { UserResolver } from './resolver';
import { resolveUserReference } from './user.reference';

export const usersSubgraph: SubgraphDefinition<UsersLoaders> = {
  name: 'users',
  resolvers: [UserResolver, PartnerResolver],
  referenceResolvers: { User: { __resolveReference: resolveUserReference } },
  createLoaders,
};
