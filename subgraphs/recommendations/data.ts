/** Data access of the recommendations subgraph: its own read model of purchases (schema "recommendations"). */
import type { PrismaClient } from '../../prisma/database';
import { isErasedUser, refuseErasedUser } from '../kit/erased-users';
import type { OrderPlaced, Tx } from '../kit/events';

export interface Popularity {
  productId: string;
  buyers: number;
}

export const POPULAR_LIMIT = 500;

export function mostPopular(prisma: PrismaClient): Promise<Popularity[]> {
  return prisma.$queryRaw<Popularity[]>`
    SELECT "productId", COUNT(DISTINCT "userId")::int AS "buyers"
    FROM "recommendations"."Purchase"
    GROUP BY "productId"
    ORDER BY "buyers" DESC, "productId" ASC
    LIMIT ${POPULAR_LIMIT}`;
}

export interface CoPurchase {
  source: string;
  target: string;
  buyers: number;
}

/** For each product, the other products its buyers bought, with how many buyers share them. */
export function coPurchases(prisma: PrismaClient, productIds: string[]): Promise<CoPurchase[]> {
  return prisma.$queryRaw<CoPurchase[]>`
    SELECT a."productId" AS "source", b."productId" AS "target", COUNT(DISTINCT b."userId")::int AS "buyers"
    FROM "recommendations"."Purchase" a
    JOIN "recommendations"."Purchase" b ON b."userId" = a."userId" AND b."productId" <> a."productId"
    WHERE a."productId" = ANY(${productIds})
    GROUP BY a."productId", b."productId"`;
}

/**
 * Idempotent: a redelivered event inserts nothing new. An erased buyer's order (a late event, or
 * one that meets the erasure) records nothing; resolves false then.
 */
export async function recordPurchases(prisma: Tx, order: OrderPlaced): Promise<boolean> {
  if (await isErasedUser(prisma, 'recommendations', order.userId)) return false;
  await prisma.purchase.createMany({
    data: order.items.map((item) => ({
      orderId: order.orderId,
      productId: item.productId,
      userId: order.userId,
      quantity: item.quantity,
      purchasedAt: new Date(order.placedAt),
    })),
    skipDuplicates: true,
  });
  return true;
}

/** Refused for an erased user (../kit/erased-users.ts); in the transaction that emits its event. */
export async function recordInteraction(tx: Tx, data: { userId: string; productId: string; kind: 'VIEW' | 'ADD_TO_CART' }) {
  await refuseErasedUser(tx, 'recommendations', data.userId);
  return tx.interaction.create({ data });
}

/**
 * What each user must not be recommended, in one statement: what they bought and what they
 * blocked. Every recommendations request reads it (the candidate cache holds scores, never these).
 */
export const excludedOfUsers = (prisma: PrismaClient, userIds: string[]) =>
  prisma.$queryRaw<{ userId: string; productId: string }[]>`
    SELECT "userId", "productId" FROM "recommendations"."Purchase" WHERE "userId" = ANY(${userIds})
    UNION ALL
    SELECT "userId", "productId" FROM "recommendations"."BlockedProduct" WHERE "userId" = ANY(${userIds})`;

/** Refused for an erased user (../kit/erased-users.ts). */
export const blockProduct = (prisma: PrismaClient, userId: string, productId: string) =>
  prisma.$transaction(async (tx) => {
    await refuseErasedUser(tx, 'recommendations', userId);
    return tx.blockedProduct.upsert({ where: { userId_productId: { userId, productId } }, create: { userId, productId }, update: {} });
  });

/** Session signals of the last day, newest first. */
export const recentInteractionsOfUsers = (prisma: PrismaClient, userIds: string[], since: Date) =>
  prisma.interaction.findMany({
    where: { userId: { in: userIds }, createdAt: { gte: since } },
    orderBy: { createdAt: 'desc' },
    select: { userId: true, productId: true, kind: true },
  });

/** Which of these users were erased (their lists are empty, their subscriptions refused). */
export async function erasedAmong(prisma: PrismaClient, userIds: string[]): Promise<Set<string>> {
  const rows = await prisma.erasedUser.findMany({ where: { userId: { in: userIds } }, select: { userId: true } });
  return new Set(rows.map((row) => row.userId));
}

/**
 * Deletes everything held about the user; resolves with the rows deleted. Runs in the erasure's
 * transaction after the id was recorded as erased under the user's lock (kit/erasure-part.ts), so
 * a write under way has landed and goes here, and a later one is refused.
 */
export async function eraseUser(tx: Tx, userId: string): Promise<number> {
  const where = { where: { userId } };
  const [interactions, purchases, blocked] = [
    await tx.interaction.deleteMany(where),
    await tx.purchase.deleteMany(where),
    await tx.blockedProduct.deleteMany(where),
  ];
  return interactions.count + purchases.count + blocked.count;
}
