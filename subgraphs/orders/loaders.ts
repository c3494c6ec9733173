import type { PrismaClient } from '../../prisma/database';
import { byIdLoader, groupLoader, loaderFamily } from '../kit/loaders';
import { findItemsOfOrders, findOrdersByIds, firstOrdersOfUsers } from './data';

export function createLoaders(prisma: PrismaClient) {
  return {
    order: byIdLoader((ids) => findOrdersByIds(prisma, ids)),
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
