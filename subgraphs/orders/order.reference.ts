import type { SubgraphContext } from '../kit/context';
import { toOrder } from './data';
import type { OrdersLoaders } from './loaders';
import { User, type Order } from './order';

/**
 * Orders reached through another subgraph (e.g. a payment's order) are as private as orders asked
 * for directly: the loader applies order.access.ts, so one the viewer may not read is null.
 */
export async function resolveOrderReference(reference: Pick<Order, 'id'>, context: SubgraphContext<OrdersLoaders>) {
  const row = await context.loaders.order.load(reference.id);
  return row ? toOrder(row) : null;
}

/** `User.orders` lives here (and checks access itself); the user itself is the users subgraph's. */
export const resolveUserReference = (reference: Pick<User, 'id'>) => Object.assign(new User(), { id: reference.id });
