/**
 * The recommendations subgraph's part of an erasure (docs/privacy.md#erasure): the user's
 * interactions, purchases (the read model of their orders) and hidden products are deleted and
 * the id remembered as erased, in one transaction with the report of the part (once:
 * recommendations."ProcessedEvent"). Training reads only these tables, so the next model knows
 * nothing of the user. Then what lives outside the database goes: cached candidate lists,
 * A/B impressions, and this replica's live subscriptions of the user (other replicas end theirs
 * on the erased-subjects broadcast). Those steps are safe to repeat: one that fails fails the
 * handler, and the redelivery repeats them without deleting or reporting anything twice.
 */
import type { SubgraphDeps } from '../../kit/definition';
import { emitThrough, processOnce } from '../../kit/events';
import { eraseUser } from '../data';
import type { RecommendationsResources } from '../resources';

export const ERASURE_CONSUMER = 'recommendations-erasure';

export function consumeErasures({ bus, prisma }: SubgraphDeps, resources: RecommendationsResources): (() => void)[] {
  return [
    bus.subscribe('user.erased', ERASURE_CONSUMER, async (event) => {
      const { erasureId, userId } = event.payload;
      await processOnce(prisma, 'recommendations', ERASURE_CONSUMER, event, async (tx) => {
        const deleted = await eraseUser(tx, userId);
        await emitThrough(tx, 'recommendations')('user.erasure_completed', {
          erasureId,
          subgraph: 'recommendations',
          counts: { deleted, pseudonymised: 0 },
        });
      });
      resources.live.end(userId);
      await Promise.all([resources.candidates.invalidate(userId), resources.impressions.forget(userId)]);
    }),
  ];
}
