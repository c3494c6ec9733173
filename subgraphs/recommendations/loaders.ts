import type { PrismaClient } from '../../prisma/database';
import { groupLoader } from '../kit/loaders';
import { coPurchases, purchasesOfUsers } from './data';
import { PopularityCache } from './popularity';

// One cache per service instance (its Prisma client), shared by all requests.
const popularityCaches = new WeakMap<PrismaClient, PopularityCache>();

/** The popularity cache of the service that owns this Prisma client. */
export function popularityOf(prisma: PrismaClient): PopularityCache {
  let popularity = popularityCaches.get(prisma);
  if (!popularity) {
    popularity = new PopularityCache(prisma);
    popularityCaches.set(prisma, popularity);
  }
  return popularity;
}

export function createLoaders(prisma: PrismaClient) {
  return {
    popularity: popularityOf(prisma),
    purchasesOfUser: groupLoader((userIds) => purchasesOfUsers(prisma, userIds), (purchase) => purchase.userId),
    coPurchases: groupLoader((productIds) => coPurchases(prisma, productIds), (row) => row.source),
  };
}

export type RecommendationsLoaders = ReturnType<typeof createLoaders>;
