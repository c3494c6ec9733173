import type { SubgraphDeps } from '../kit/definition';
import { processOnce } from '../kit/events';
import { findOrderStatus, transitionOrder } from './data';

/**
 * Order status follows the payments service's events. Each event is handled once: its record
 * in orders."ProcessedEvent" commits with the status change, so a redelivery changes nothing.
 */
export function consumeEvents({ bus, prisma }: SubgraphDeps): (() => void)[] {
  return [
    bus.subscribe('payment.captured', 'orders', async (event) => {
      await processOnce(prisma, 'orders', 'orders', event, (tx) => transitionOrder(tx, event.payload.orderId, 'PENDING_PAYMENT', 'PAID'));
    }),
    bus.subscribe('payment.refunded', 'orders', async (event) => {
      await processOnce(prisma, 'orders', 'orders', event, async (tx) => {
        const { count } = await transitionOrder(tx, event.payload.orderId, 'PAID', 'REFUNDED');
        if (count === 1) return;
        // Captures and refunds travel on separate streams: after an outage a refund can overtake
        // its capture (the order is still PENDING_PAYMENT, or the capture committed just after the
        // update above and it is PAID now). Failing here (record rolled back) has the bus deliver
        // the refund again later.
        const status = await findOrderStatus(tx, event.payload.orderId);
        if (status === 'PENDING_PAYMENT' || status === 'PAID') {
          throw new Error(`refund of order ${event.payload.orderId} arrived before its capture; retrying`);
        }
      });
    }),
  ];
}
