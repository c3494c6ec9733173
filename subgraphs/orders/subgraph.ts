import type { SubgraphDefinition } from '../kit/definition';
import { consumeEvents } from './events';
import { createLoaders, type OrdersLoaders } from './loaders';
import { resolveOrderReference, resolveUserReference } from './order.reference';
import { OrderResolver, UserOrdersResolver } from './resolver';

export const ordersSubgraph: SubgraphDefinition<OrdersLoaders> = {
  name: 'orders',
  resolvers: [OrderResolver, UserOrdersResolver],
  referenceResolvers: {
    Order: { __resolveReference: resolveOrderReference },
    User: { __resolveReference: resolveUserReference },
  },
  createLoaders,
  consumeEvents,
};
