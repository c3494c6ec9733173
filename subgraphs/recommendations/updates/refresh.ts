/**
 * Recomputes a user's recommendations after something changed them and pushes the fresh list
 * to every live subscriber of that user, in every replica.
 */
import type { EventBus, RecommendationTrigger } from '../../kit/events';
import { fetchProductFacts } from '../transport/product-facts';
import { rank } from '../presentation/rank';
import { RecommendationPlacement } from '../presentation/recommendation';
import type { RecommendationsResources } from '../resources';

/** How many recommendations an update carries; subscribers show what they need of them. */
export const UPDATE_SIZE = 20;

export async function refreshRecommendations(
  resources: RecommendationsResources,
  bus: EventBus,
  userId: string,
  trigger: RecommendationTrigger,
): Promise<void> {
  // Through the A/B router, so a live update comes from the same pipeline as the user's queries.
  await resources.candidates.invalidate(userId);
  const [list] = await resources.candidates.forUsers([userId], RecommendationPlacement.HOME);
  const items = await rank(list, UPDATE_SIZE, await resources.popularity.get(), (ids) =>
    fetchProductFacts(resources.services, ids, resources.productsDeadlineMs),
  );
  await bus.notify('recommendations.updated', {
    userId,
    trigger,
    items: items.map((item) => ({
      productId: item.productId,
      score: item.score,
      reason: item.reason,
      modelVersion: item.modelVersion,
      degraded: item.degraded,
      degradedReasons: item.degradedReasons,
      variant: item.variant,
    })),
    publishedAt: new Date().toISOString(),
  });
}
