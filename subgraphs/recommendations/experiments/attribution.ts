/**
 * The live read of the A/B between pipelines: every item User.recommendations returns is an
 * impression of its variant, remembered per (user, product); a later view, add to cart or purchase
 * of that product by that user counts for the variant of its last impression. An interaction with
 * a product never recommended to the user (or not within the window) counts for nobody.
 */
import { attributedInteractions, impressions } from '../metrics';
import type { ImpressionStore } from './impressions';
import type { Recommendation, RecommendationPlacement, RecommendationVariant } from '../presentation/recommendation';

export type AttributedKind = 'VIEW' | 'ADD_TO_CART' | 'PURCHASE';

/** Counts what was returned and remembers it; never waits on the store (it is telemetry, not the answer). */
export function countImpressions(
  store: ImpressionStore,
  userId: string,
  placement: RecommendationPlacement,
  items: Recommendation[],
): void {
  const byVariant = new Map<RecommendationVariant, string[]>();
  for (const item of items) {
    if (!item.variant) continue;
    const productIds = byVariant.get(item.variant);
    if (productIds) productIds.push(item.productId);
    else byVariant.set(item.variant, [item.productId]);
  }
  for (const [variant, productIds] of byVariant) {
    impressions.inc({ variant, placement }, productIds.length);
    void store.remember(userId, productIds, variant);
  }
}

/** Counts each interaction with a product recommended to the user within the window, for the variant that recommended it. */
export async function countInteractions(store: ImpressionStore, userId: string, productIds: string[], kind: AttributedKind): Promise<void> {
  const variants = await store.variantsOf(userId, productIds);
  for (const variant of variants) if (variant) attributedInteractions.inc({ variant, kind });
}
