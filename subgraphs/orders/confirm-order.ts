/**
 * How a partner completes an order: it confirms it on account (the partner is invoiced under its
 * agreement; no card passes through the partner API). Only a partner may, and only its own
 * order, only while the order still holds its stock: a customer pays with payOrder instead.
 */
import { appError, ErrorCode, notFound } from '../../platform/errors';
import { isPartner, requireAllowed, requireUser } from '../../platform/viewer';
import type { SubgraphContext } from '../kit/context';
import { findOrdersByIds, type OrderRow } from './data';
import type { OrdersLoaders } from './loaders';
import { confirmOnAccount } from './reservations';

export async function confirmOrder(orderId: string, context: SubgraphContext<OrdersLoaders>): Promise<OrderRow> {
  const { viewer, prisma, outbox } = context;
  const userId = requireUser(viewer);
  requireAllowed(viewer, isPartner(viewer), 'Only partners confirm orders on account; customers pay with payOrder');
  await outbox.transaction(prisma, (tx, emit) => confirmOnAccount(tx, emit, orderId, userId));
  // Read as every reader would (an order past its deadline is EXPIRED), whether or not it moved now.
  const [order] = await findOrdersByIds(prisma, [orderId]);
  if (!order || order.userId !== userId) throw notFound('Order', orderId);
  if (order.status === 'CONFIRMED') return order;
  if (order.status === 'EXPIRED') {
    throw appError(
      ErrorCode.ORDER_EXPIRED,
      `Order ${orderId} expired before it was confirmed; its stock went back on sale. Place it again.`,
      {
        orderId,
      },
    );
  }
  throw appError(ErrorCode.INVALID_STATE_TRANSITION, `Order ${orderId} is ${order.status}, not waiting for confirmation`, { orderId });
}
