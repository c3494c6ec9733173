import type { SubgraphDeps } from '../kit/definition';
import { processOnce } from '../kit/events';
import { erasurePartsCompleted, erasures } from '../../platform/metrics';
import { completePart } from './erasure.data';

/** Consumer group of the users subgraph's erasure bookkeeping. */
export const ERASURE_CONSUMER = 'users-erasure';

/**
 * Each subgraph reports its part of an erasure done; the report is recorded once (its record in
 * users."ProcessedEvent" commits with the part), and the erasure completes with its last part.
 */
export function consumeErasureReports({ bus, prisma, log }: SubgraphDeps): (() => void)[] {
  return [
    bus.subscribe('user.erasure_completed', ERASURE_CONSUMER, async (event) => {
      let outcome = { part: false, erasure: false };
      await processOnce(prisma, 'users', ERASURE_CONSUMER, event, async (tx) => {
        outcome = await completePart(tx, event.payload);
      });
      if (outcome.part) erasurePartsCompleted.inc({ subgraph: event.payload.subgraph });
      if (outcome.erasure) {
        erasures.inc({ status: 'completed' });
        log.info({ erasureId: event.payload.erasureId }, 'erasure completed in every subgraph');
      }
    }),
  ];
}
