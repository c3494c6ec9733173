/**
 * The payments subgraph's part of an erasure (docs/privacy.md#erasure). Payments are bookkeeping
 * records: they keep amount, currency, status, method, order id and dates, and their user id
 * becomes the erasure's random pseudonym (the one orders use, so payment and order still match).
 * No card data is ever stored here (the provider holds it). The id is recorded as erased under the
 * user's lock first, so a payment being created meanwhile is either pseudonymised here or refused
 * (../kit/erased-users.ts). Done once (payments."ProcessedEvent"), and the report of the part
 * commits with it.
 */
import type { SubgraphDeps } from '../kit/definition';
import { consumeErasurePart } from '../kit/erasure-part';

export function consumeErasures(deps: SubgraphDeps): (() => void)[] {
  return [
    consumeErasurePart(deps, 'payments', {
      async inTransaction(tx, { userId, pseudonym }) {
        const payments = await tx.payment.updateMany({ where: { userId }, data: { userId: pseudonym } });
        return { deleted: 0, pseudonymised: payments.count };
      },
    }),
  ];
}
