/**
 * The orders subgraph's part of an erasure (docs/privacy.md#erasure). Orders are bookkeeping
 * records the law keeps for years, so they stay with their amounts, items, status and dates, but
 * their user id becomes the erasure's random pseudonym (the same one payments use, so the two still
 * match). An order holds no other personal field (no address or name). Placement claims are
 * short-lived locks, not records: they are deleted. The id is recorded as erased under the user's
 * lock first, so an order being placed meanwhile is either pseudonymised here or refused
 * (../kit/erased-users.ts). Done once (orders."ProcessedEvent"), and the report of the part
 * commits with it.
 */
import type { SubgraphDeps } from '../kit/definition';
import { consumeErasurePart } from '../kit/erasure-part';

export function consumeErasures(deps: SubgraphDeps): (() => void)[] {
  return [
    consumeErasurePart(deps, 'orders', {
      async inTransaction(tx, { userId, pseudonym }) {
        const orders = await tx.order.updateMany({ where: { userId }, data: { userId: pseudonym } });
        const claims = await tx.placementClaim.deleteMany({ where: { userId } });
        return { deleted: claims.count, pseudonymised: orders.count };
      },
    }),
  ];
}
