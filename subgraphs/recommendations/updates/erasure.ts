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
import { consumeErasurePart } from '../../kit/erasure-part';
import { eraseUser } from '../data';
import type { RecommendationsResources } from '../resources';

export function consumeErasures(deps: SubgraphDeps, resources: RecommendationsResources): (() => void)[] {
  return [
    consumeErasurePart(deps, 'recommendations', {
      async inTransaction(tx, { userId }) {
        return { deleted: await eraseUser(tx, userId), pseudonymised: 0 };
      },
      async afterCommit({ userId }) {
        resources.live.end(userId);
        await Promise.all([resources.candidates.invalidate(userId), resources.impressions.forget(userId)]);
      },
    }),
  ];
}
