import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import { byIdLoader, groupLoader, loaderFamily } from '../kit/loaders';
import { findItemsOfOrders, findOrdersByIds, firstOrdersOfUsers } from './data';
import { mayReadOrder } from './order.access';

export function createLoaders(prisma: PrismaClient, viewer: Viewer) {
  /** Items by order id: reached only from an order that was already allowed. */
  const items = groupLoader(
    (orderIds: string[]) => findItemsOfOrders(prisma, orderIds),
    (item) => item.orderId,
  );
  return {
    /** Orders the viewer may read (order.access.ts); any other loads as null. */
    order: byIdLoader(
      (ids) => findOrdersByIds(prisma, ids),
      (order) => mayReadOrder(viewer, order),
    ),
    items,
    /**
     * First page of orders per user; one loader per page size so every user in a request shares one
     * query. The page's items come in the same statement and fill `items`, so `Order.items` costs none.
     */
    firstOrders: loaderFamily((take: number) =>
      groupLoader(
        async (userIds) => {
          const rows = await firstOrdersOfUsers(prisma, userIds, take);
          for (const row of rows) items.prime(row.id, row.items);
          return rows;
        },
        (row) => row.userId,
      ),
    ),
  };
}

export type OrdersLoaders = ReturnType<typeof createLoaders>;
