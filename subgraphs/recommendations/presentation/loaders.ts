import DataLoader from 'dataloader';
import type { PrismaClient } from '../../../prisma/database';
import { loaderFamily } from '../../kit/loaders';
import type { Viewer } from '../../../platform/viewer';
import { productFactsLoader } from '../transport/product-facts';
import type { RecommendationPlacement } from './recommendation';
import type { CandidateList } from '../pipelines/candidate-source';
import type { RecommendationsResources } from '../resources';

/**
 * Per request: every user (or product) whose recommendations the operation touches joins one
 * batch, so one operation costs one inference request per model.
 */
export function createLoaders(_prisma: PrismaClient, _viewer: Viewer, resources: RecommendationsResources) {
  const batch = resources.batching;
  return {
    resources,
    userCandidates: loaderFamily(
      (placement: RecommendationPlacement) =>
        new DataLoader<string, CandidateList>((userIds) => resources.candidates.forUsers([...userIds], placement), { batch }),
    ),
    similarCandidates: new DataLoader<string, CandidateList>((productIds) => resources.recommender.similarTo([...productIds]), { batch }),
    productFacts: productFactsLoader(resources.services, resources.productsDeadlineMs, resources.productFacts, batch),
  };
}

export type RecommendationsLoaders = ReturnType<typeof createLoaders>;
