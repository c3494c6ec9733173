import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import { byIdLoader, groupLoader, loaderFamily } from '../kit/loaders';
import { findItemsOfOrders, findOrdersByIds, firstOrdersOfUsers } from './data';
import { mayReadOrder } from './order.access';

export function createLoaders(prisma: PrismaClient, viewer: Viewer) {
  return {
    /** Orders the viewer may read (order.access.ts); any other loads as null. */
    order: byIdLoader(
      (ids) => findOrdersByIds(prisma, ids),
      (order) => mayReadOrder(viewer, order),
    ),
    /** Items by order id: reached only from an order that was already allowed. */
    items: groupLoader(
      (orderIds) => findItemsOfOrders(prisma, orderIds),
      (item) => item.orderId,
    ),
    /** First page of orders per user; one loader per page size so every user in a request shares one query. */
    firstOrders: loaderFamily((take: number) =>
      groupLoader(
        (userIds) => firstOrdersOfUsers(prisma, userIds, take),
        (row) => row.userId,
      ),
    ),
  };
}

export type OrdersLoaders = ReturnType<typeof createLoaders>;
