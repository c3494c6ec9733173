import type { SubgraphDeps } from '../kit/definition';
import { recordPurchases } from './data';

/** Keeps the purchase read model in step with the orders service. */
export function consumeEvents({ bus, prisma }: SubgraphDeps): void {
  bus.subscribe('order.placed', 'recommendations', async ({ payload }) => {
    await recordPurchases(prisma, payload);
  });
}
