import type { SubgraphDeps } from '../kit/definition';
import { recordPurchases } from './data';
import { refreshRecommendations } from './refresh';

/** Keeps the purchase read model in step with the orders service and refreshes live subscribers. */
export function consumeEvents(deps: SubgraphDeps): (() => void)[] {
  const { bus, prisma } = deps;
  return [
    bus.subscribe('order.placed', 'recommendations', async ({ payload }) => {
      await recordPurchases(prisma, payload);
      await refreshRecommendations(deps, payload.userId, 'ORDER_PLACED');
    }),
    bus.subscribe('interaction.recorded', 'recommendations', async ({ payload }) => {
      await refreshRecommendations(deps, payload.userId, 'INTERACTION');
    }),
  ];
}
