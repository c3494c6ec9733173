import type { SubgraphDefinition } from '../kit/definition';
import { consumeEvents } from './events';
import { createLoaders, type RecommendationsLoaders } from './loaders';
import { Product, User } from './recommendation';
import { resolveProductReference, resolveUserReference } from './recommendation.reference';
import { LiveRecommendationsResolver } from './live.resolver';
import { SimilarProductsResolver, UserRecommendationsResolver } from './resolver';

export const recommendationsSubgraph: SubgraphDefinition<RecommendationsLoaders> = {
  name: 'recommendations',
  resolvers: [UserRecommendationsResolver, SimilarProductsResolver, LiveRecommendationsResolver],
  // Only entity fields, no root fields: the entities must be named or no type would be reachable.
  orphanedTypes: [User, Product],
  referenceResolvers: {
    User: { __resolveReference: resolveUserReference },
    Product: { __resolveReference: resolveProductReference },
  },
  createLoaders,
  consumeEvents,
};
