import type { SubgraphDeps } from '../../kit/definition';
import { processOnce } from '../../kit/events';
import { countInteractions } from '../experiments/attribution';
import { recordPurchases } from '../data';
import { consumeErasures } from './erasure';
import { refreshRecommendations } from './refresh';
import { watchModelVersion, type RecommendationsResources } from '../resources';

/**
 * Keeps the purchase read model in step with the orders service; a user's order or interaction
 * drops their cached candidates and pushes fresh recommendations to live subscribers (./live.ts); a new model
 * version does the same for everyone watched here. A purchase of a product recommended to the buyer
 * counts for the A/B variant that recommended it. An order's purchases are recorded once (with
 * its record in recommendations."ProcessedEvent"); the refresh runs on every delivery, because it
 * only recomputes and notifies, and a refresh that failed must run again.
 */
export function consumeEvents(deps: SubgraphDeps, resources: RecommendationsResources): (() => void)[] {
  const { bus, prisma, log } = deps;
  watchModelVersion(resources, (version) => {
    const watched = resources.live.watchedUsers();
    log.info({ version, watched: watched.length }, 'new model version live; refreshing watched users');
    for (const userId of watched) {
      void refreshRecommendations(resources, userId, 'MODEL_UPDATED').catch((error: unknown) =>
        log.warn({ err: error, userId }, 'refresh failed'),
      );
    }
  });
  return [
    bus.subscribe('order.placed', 'recommendations', async (event) => {
      let recorded = false;
      await processOnce(prisma, 'recommendations', 'recommendations', event, async (tx) => {
        recorded = await recordPurchases(tx, event.payload);
      });
      // Once per order, not per redelivery, and never for an erased buyer: a purchase of a recommended product counts for its variant.
      if (recorded) {
        const productIds = [...new Set(event.payload.items.map((item) => item.productId))];
        await countInteractions(resources.impressions, event.payload.userId, productIds, 'PURCHASE');
      }
      await refreshRecommendations(resources, event.payload.userId, 'ORDER_PLACED');
    }),
    bus.subscribe('interaction.recorded', 'recommendations', async (event) => {
      await processOnce(prisma, 'recommendations', 'recommendations', event, async () => undefined);
      await refreshRecommendations(resources, event.payload.userId, 'INTERACTION');
    }),
    ...consumeErasures(deps, resources),
    () => resources.stopWatchingModel(),
  ];
}
