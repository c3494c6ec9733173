import DataLoader from 'dataloader';
import type { PrismaClient } from '../../prisma/database';
import { byIdLoader, groupLoader } from '../kit/loaders';
import { findItemsOfOrders, findOrdersByIds, firstOrdersOfUsers, type OrderRow } from './data';

export function createLoaders(prisma: PrismaClient) {
  const firstPages = new Map<number, DataLoader<string, OrderRow[]>>();
  return {
    order: byIdLoader((ids) => findOrdersByIds(prisma, ids)),
    items: groupLoader((orderIds) => findItemsOfOrders(prisma, orderIds), (item) => item.orderId),
    /** First page of orders per user; one loader per page size so every user in a request shares one query. */
    firstOrders(take: number) {
      let loader = firstPages.get(take);
      if (!loader) {
        loader = new DataLoader<string, OrderRow[]>(async (userIds) => {
          const byUser = new Map<string, OrderRow[]>(userIds.map((id) => [id, []]));
          for (const row of await firstOrdersOfUsers(prisma, [...userIds], take)) byUser.get(row.userId)?.push(row);
          return userIds.map((userId) => byUser.get(userId) ?? []);
        });
        firstPages.set(take, loader);
      }
      return loader;
    },
  };
}

export type OrdersLoaders = ReturnType<typeof createLoaders>;
