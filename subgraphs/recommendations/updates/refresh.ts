/**
 * Recomputes a user's recommendations after something changed them and pushes the fresh list
 * to every live subscriber of that user, in every replica.
 */
import type { ServiceClient } from '../../kit/service-client';
import type { UserCandidateSource } from '../pipelines/candidate-source';
import type { LiveRecommendations, RecommendationTrigger, RecommendationsUpdated } from './live';
import type { PopularityCache } from '../pipelines/popularity';
import { fetchProductFacts } from '../transport/product-facts';
import { rank } from '../presentation/rank';
import { RecommendationPlacement } from '../presentation/recommendation';

/** How many recommendations an update carries; subscribers show what they need of them. */
export const UPDATE_SIZE = 20;

/** What a user's current list is made from. */
export interface RecommendationSources {
  services: ServiceClient;
  productsDeadlineMs: number;
  candidates: UserCandidateSource;
  popularity: PopularityCache;
}

/** The user's list as it is now, through the A/B router, so it comes from the same pipeline as the user's queries. */
export async function currentUpdateItems(sources: RecommendationSources, userId: string): Promise<RecommendationsUpdated['items']> {
  const [list] = await sources.candidates.forUsers([userId], RecommendationPlacement.HOME);
  const items = await rank(list, UPDATE_SIZE, await sources.popularity.get(), (ids) =>
    fetchProductFacts(sources.services, ids, sources.productsDeadlineMs),
  );
  return items.map((item) => ({
    productId: item.productId,
    score: item.score,
    reason: item.reason,
    modelVersion: item.modelVersion,
    degraded: item.degraded,
    degradedReasons: item.degradedReasons,
    variant: item.variant,
  }));
}

export async function refreshRecommendations(
  resources: RecommendationSources & { live: LiveRecommendations },
  userId: string,
  trigger: RecommendationTrigger,
): Promise<void> {
  await resources.candidates.invalidate(userId);
  const items = await currentUpdateItems(resources, userId);
  await resources.live.publish({ userId, trigger, items, publishedAt: new Date().toISOString() });
}
