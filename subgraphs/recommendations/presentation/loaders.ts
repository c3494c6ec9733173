import DataLoader from 'dataloader';
import type { PrismaClient } from '../../../prisma/database';
import { loaderFamily } from '../../kit/loaders';
import type { Viewer } from '../../../platform/viewer';
import { productFactsLoader } from '../transport/product-facts';
import type { RecommendationPlacement } from './recommendation';
import type { CandidateList } from '../pipelines/candidate-source';
import type { RecommendationsResources } from '../resources';
import { erasedAmong } from '../data';

/**
 * Per request: every user (or product) whose recommendations the operation touches joins one
 * batch, so one operation costs one inference request per model.
 */
export function createLoaders(prisma: PrismaClient, _viewer: Viewer, resources: RecommendationsResources) {
  const batch = resources.batching;
  return {
    resources,
    /** Whether a user was erased: their recommendations are never served again, whatever asks. */
    erased: new DataLoader<string, boolean>(async (userIds) => {
      const erased = await erasedAmong(prisma, [...userIds]);
      return userIds.map((id) => erased.has(id));
    }),
    userCandidates: loaderFamily(
      (placement: RecommendationPlacement) =>
        new DataLoader<string, CandidateList>((userIds) => resources.candidates.forUsers([...userIds], placement), { batch }),
    ),
    similarCandidates: new DataLoader<string, CandidateList>((productIds) => resources.recommender.similarTo([...productIds]), { batch }),
    productFacts: productFactsLoader(resources.services, resources.productsDeadlineMs, resources.productFacts, batch),
  };
}

export type RecommendationsLoaders = ReturnType<typeof createLoaders>;
