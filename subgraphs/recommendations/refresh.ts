/**
 * Recomputes a user's recommendations after something changed them and pushes the fresh list
 * to every live subscriber of that user, in every replica.
 */
import type { PrismaClient } from '../../prisma/database';
import type { EventBus, RecommendationTrigger } from '../kit/events';
import { purchasesOfUsers } from './data';
import { popularityOf } from './loaders';
import { popularFor } from './popularity';

/** How many recommendations an update carries; subscribers show what they need of them. */
export const UPDATE_SIZE = 20;

export async function refreshRecommendations(
  deps: { prisma: PrismaClient; bus: EventBus },
  userId: string,
  trigger: RecommendationTrigger,
): Promise<void> {
  const [popular, purchases] = await Promise.all([popularityOf(deps.prisma).get(), purchasesOfUsers(deps.prisma, [userId])]);
  const items = popularFor(popular, new Set(purchases.map((purchase) => purchase.productId)), UPDATE_SIZE);
  await deps.bus.notify('recommendations.updated', {
    userId,
    trigger,
    items: items.map((item) => ({ productId: item.product.id, score: item.score, reason: item.reason })),
    publishedAt: new Date().toISOString(),
  });
}
