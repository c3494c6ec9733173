import type { SubgraphDeps } from '../kit/definition';
import { transitionOrder } from './data';

/** Order status follows the payments service's events. */
export function consumeEvents({ bus, prisma }: SubgraphDeps): (() => void)[] {
  return [
    bus.subscribe('payment.captured', 'orders', async ({ payload }) => {
      await transitionOrder(prisma, payload.orderId, 'PENDING_PAYMENT', 'PAID');
    }),
    bus.subscribe('payment.refunded', 'orders', async ({ payload }) => {
      await transitionOrder(prisma, payload.orderId, 'PAID', 'REFUNDED');
    }),
  ];
}
