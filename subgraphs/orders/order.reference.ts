import type { SubgraphContext } from '../kit/context';
import { canRead } from '../../platform/viewer';
import { toOrder } from './data';
import type { OrdersLoaders } from './loaders';
import { User, type Order } from './order';

/** Orders reached through another subgraph (e.g. a payment's order) are as private as orders asked for directly. */
export async function resolveOrderReference(reference: Pick<Order, 'id'>, context: SubgraphContext<OrdersLoaders>) {
  const row = await context.loaders.order.load(reference.id);
  return row && canRead(context.viewer, row.userId) ? toOrder(row) : null;
}

/** `User.orders` lives here; the user itself is the users subgraph's. */
export const resolveUserReference = (reference: Pick<User, 'id'>) => Object.assign(new User(), { id: reference.id });
