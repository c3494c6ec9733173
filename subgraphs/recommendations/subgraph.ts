import type { SubgraphDefinition } from '../kit/definition';
import { consumeEvents } from './updates/events';
import { RecommendationsPersonalDataResolver } from './personal-data';
import { LiveRecommendationsResolver } from './presentation/live.resolver';
import { createLoaders, type RecommendationsLoaders } from './presentation/loaders';
import { Product, User } from './presentation/recommendation';
import { resolveProductReference, resolveUserReference } from './presentation/recommendation.reference';
import { SimilarProductsResolver, UserRecommendationsResolver } from './presentation/resolver';
import { createResources, disposeResources, type RecommendationsResources } from './resources';

export const recommendationsSubgraph: SubgraphDefinition<RecommendationsLoaders, RecommendationsResources> = {
  name: 'recommendations',
  resolvers: [UserRecommendationsResolver, SimilarProductsResolver, LiveRecommendationsResolver, RecommendationsPersonalDataResolver],
  // Entity fields and one internal root field: the entities must be named or they would not be reachable.
  orphanedTypes: [User, Product],
  referenceResolvers: {
    User: { __resolveReference: resolveUserReference },
    Product: { __resolveReference: resolveProductReference },
  },
  init: createResources,
  createLoaders,
  consumeEvents,
  dispose: disposeResources,
};
