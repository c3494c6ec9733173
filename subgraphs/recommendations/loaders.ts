import DataLoader from 'dataloader';
import type { PrismaClient } from '../../prisma/database';
import { groupLoader } from '../kit/loaders';
import type { Viewer } from '../kit/viewer';
import { coPurchases, purchasesOfUsers } from './data';
import { productFactsLoader } from './product-facts';
import { RecommendationPlacement } from './recommendation';
import type { CandidateList } from './recommender';
import type { RecommendationsResources } from './resources';

/**
 * Per request: every user (or product) whose recommendations the operation touches joins one
 * batch, so one operation costs one inference request per model.
 */
export function createLoaders(prisma: PrismaClient, _viewer: Viewer, resources: RecommendationsResources) {
  const byPlacement = new Map<RecommendationPlacement, DataLoader<string, CandidateList>>();
  return {
    resources,
    userCandidates(placement: RecommendationPlacement) {
      let loader = byPlacement.get(placement);
      if (!loader) {
        loader = new DataLoader<string, CandidateList>((userIds) => resources.recommender.forUsers([...userIds], placement), {
          batch: resources.batching,
        });
        byPlacement.set(placement, loader);
      }
      return loader;
    },
    similarCandidates: new DataLoader<string, CandidateList>((productIds) => resources.recommender.similarTo([...productIds]), {
      batch: resources.batching,
    }),
    productFacts: productFactsLoader(resources.services, resources.batching),
    purchasesOfUser: groupLoader((userIds) => purchasesOfUsers(prisma, userIds), (purchase) => purchase.userId),
    coPurchases: groupLoader((productIds) => coPurchases(prisma, productIds), (row) => row.source),
  };
}

export type RecommendationsLoaders = ReturnType<typeof createLoaders>;
