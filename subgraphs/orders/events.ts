import type { SubgraphDeps } from '../kit/definition';
import { insertOutboxEvent, newEvent, processOnce, type Emit, type Tx } from '../kit/events';
import { findOrderStatus, transitionOrder } from './data';
import { announceRelease } from './reservations';

/**
 * Order status follows the payments service's events. Each event is handled once: its record
 * in orders."ProcessedEvent" commits with the status change, so a redelivery changes nothing.
 */
export function consumeEvents({ bus, prisma, log }: SubgraphDeps): (() => void)[] {
  return [
    bus.subscribe('payment.captured', 'orders', async (event) => {
      await processOnce(prisma, 'orders', 'orders', event, async (tx) => {
        const { count } = await transitionOrder(tx, event.payload.orderId, 'PENDING_PAYMENT', 'PAID');
        // A payment that began before the deadline and was captured after the order expired: its
        // stock is already back on sale, so the money must go back too (an operator refunds it).
        if (count === 0 && (await findOrderStatus(tx, event.payload.orderId)) === 'EXPIRED') {
          log.warn(
            { orderId: event.payload.orderId, paymentId: event.payload.paymentId },
            'payment captured for an expired order; refund it',
          );
        }
      });
    }),
    bus.subscribe('payment.refunded', 'orders', async (event) => {
      await processOnce(prisma, 'orders', 'orders', event, async (tx) => {
        const { count } = await transitionOrder(tx, event.payload.orderId, 'PAID', 'REFUNDED');
        if (count === 1) {
          // The refunded goods are back on sale: the release commits with the status change, and
          // the transition happens once, so the stock comes back once.
          const order = await tx.order.findUniqueOrThrow({
            where: { id: event.payload.orderId },
            select: { id: true, userId: true, idempotencyKey: true },
          });
          await announceRelease(outboxOf(tx), order, 'REFUNDED');
          return;
        }
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

/** Emits into the orders outbox through a transaction the consumer already holds (processOnce's). */
function outboxOf(tx: Tx): Emit {
  return async (type, payload) => {
    const event = newEvent(type, payload);
    await insertOutboxEvent(tx, 'orders', event);
    return event;
  };
}
