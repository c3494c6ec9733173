import type { SubgraphDefinition } from '../kit/definition';
import { OrdersPersonalDataResolver } from './personal-data';
import { consumeErasures } from './erasure';
import { consumeEvents } from './events';
import { createLoaders, type OrdersLoaders } from './loaders';
import { resolveOrderReference, resolveUserReference } from './order.reference';
import { OrderResolver, UserOrdersResolver } from './resolver';
import { startExpirySweeper, type ExpirySweeper } from './sweeper';

export const ordersSubgraph: SubgraphDefinition<OrdersLoaders, { expiry: ExpirySweeper }> = {
  name: 'orders',
  resolvers: [OrderResolver, UserOrdersResolver, OrdersPersonalDataResolver],
  referenceResolvers: {
    Order: { __resolveReference: resolveOrderReference },
    User: { __resolveReference: resolveUserReference },
  },
  // The sweeper's statements are background work, like the relay's: counted apart from requests'.
  init: (deps) => ({
    expiry: startExpirySweeper({ prisma: deps.backgroundPrisma ?? deps.prisma, config: deps.config.orders, log: deps.log }),
  }),
  createLoaders,
  consumeEvents: (deps) => [...consumeEvents(deps), ...consumeErasures(deps)],
  dispose: (resources) => resources.expiry.close(),
};
