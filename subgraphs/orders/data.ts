/** Data access of the orders subgraph (Prisma, schema "orders"). */
import type { Order as OrderRow, OrderItem as OrderItemRow } from '../../prisma/generated/client';
import { Prisma } from '../../prisma/generated/client';
import { sqlReaderOf, type PrismaClient } from '../../prisma/database';
import { badInput } from '../../platform/errors';
import { insertOutboxEvent, newEvent, type Tx } from '../kit/events';
import { decodeCursor, type CursorKey } from '../kit/pagination';
import { money } from '../kit/shared-types';
import { Order, OrderItem, Product, User } from './order';

export type { OrderItemRow, OrderRow };

export function toOrder(row: OrderRow): Order {
  return Object.assign(new Order(), {
    id: row.id,
    userId: row.userId,
    user: Object.assign(new User(), { id: row.userId }),
    status: row.status,
    total: money(row.totalAmount, row.currency),
    createdAt: row.createdAt,
    // Only an order still waiting holds stock until a deadline.
    reservedUntil: row.status === 'PENDING_PAYMENT' ? row.reservedUntil : null,
  });
}

export function toOrderItem(row: OrderItemRow): OrderItem {
  return Object.assign(new OrderItem(), {
    productId: row.productId,
    product: Object.assign(new Product(), { id: row.productId }),
    quantity: row.quantity,
    unitPrice: money(row.unitPriceAmount, row.currency),
  });
}

export const orderCursor = (row: { createdAt: Date; id: string }): CursorKey => [row.createdAt.toISOString(), row.id];

/**
 * An order row as Prisma gives it; the loaders read through SqlReader (plain reads, hot paths).
 * An unpaid order past its deadline reads as EXPIRED at once, whether or not a sweeper got to it
 * yet (reservations.ts), so no reader (payments deciding whether to charge) sees it as payable.
 */
const orderColumns = (alias: string) =>
  Prisma.raw(`${alias}."id", ${alias}."userId",
   CASE WHEN ${alias}."status" = 'PENDING_PAYMENT' AND ${alias}."reservedUntil" <= (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')
        THEN 'EXPIRED' ELSE ${alias}."status"::text END AS "status",
   ${alias}."totalAmount", ${alias}."currency", ${alias}."idempotencyKey",
   ${alias}."createdAt" AT TIME ZONE 'UTC' AS "createdAt", ${alias}."reservedUntil" AT TIME ZONE 'UTC' AS "reservedUntil"`);

export const findOrdersByIds = (prisma: PrismaClient, ids: string[]) =>
  sqlReaderOf(prisma).query<OrderRow>(Prisma.sql`SELECT ${orderColumns('o')} FROM "orders"."Order" o WHERE o."id" = ANY(${ids})`);

export const findItemsOfOrders = (prisma: PrismaClient, orderIds: string[]) =>
  sqlReaderOf(prisma).query<OrderItemRow>(
    Prisma.sql`SELECT "id", "orderId", "productId", "quantity", "unitPriceAmount", "currency"
     FROM "orders"."OrderItem" WHERE "orderId" = ANY(${orderIds}) ORDER BY "id" ASC`,
  );

export type OrderWithItemsRow = OrderRow & { items: OrderItemRow[] };

/**
 * The newest `take` orders of each user with their items, for many users in one statement (per
 * user an index scan that stops at `take`, not a ranking of all its orders): a page
 * of orders is nearly always shown with its lines, and a second round trip for them would cost more
 * than reading them here (an index lookup per order) when a page is shown without.
 */
export async function firstOrdersOfUsers(prisma: PrismaClient, userIds: string[], take: number): Promise<OrderWithItemsRow[]> {
  const rows = await sqlReaderOf(prisma).query<OrderRow & { items: OrderItemRow[] | string }>(
    Prisma.sql`SELECT ${orderColumns('o')},
      COALESCE((
        SELECT json_agg(json_build_object(
          'id', i."id", 'orderId', i."orderId", 'productId', i."productId",
          'quantity', i."quantity", 'unitPriceAmount', i."unitPriceAmount", 'currency', i."currency"
        ) ORDER BY i."id")
        FROM "orders"."OrderItem" i WHERE i."orderId" = o."id"
      ), '[]'::json) AS "items"
    FROM (SELECT DISTINCT unnest(${userIds}::text[]) AS "userId") u
    CROSS JOIN LATERAL (
      SELECT * FROM "orders"."Order" o WHERE o."userId" = u."userId" ORDER BY o."createdAt" DESC, o."id" DESC LIMIT ${take}
    ) o
    ORDER BY o."userId", o."createdAt" DESC, o."id" DESC`,
  );
  // Drivers differ in whether json arrives parsed.
  return rows.map((row) => ({ ...row, items: typeof row.items === 'string' ? (JSON.parse(row.items) as OrderItemRow[]) : row.items }));
}

/** A later page of one user's orders, newest first, after a cursor. */
export function ordersOfUserAfter(prisma: PrismaClient, userId: string, take: number, after: string) {
  const [createdAt, id] = decodeCursor(after);
  const at = new Date(String(createdAt));
  // A well-formed cursor from elsewhere (another list's, or made up) must not reach the query as an Invalid Date.
  if (Number.isNaN(at.getTime()) || id === undefined) throw badInput('after', 'is not a cursor returned by this API');
  // Read through the same columns as the first page, so an order past its deadline reads EXPIRED here too.
  return sqlReaderOf(prisma).query<OrderRow>(
    Prisma.sql`SELECT ${orderColumns('o')} FROM "orders"."Order" o
      WHERE o."userId" = ${userId} AND (o."createdAt", o."id") < ((${at.toISOString()}::timestamptz AT TIME ZONE 'UTC'), ${String(id)})
      ORDER BY o."createdAt" DESC, o."id" DESC LIMIT ${take}`,
  );
}

export const findOrderByKey = (prisma: PrismaClient, userId: string, idempotencyKey: string) =>
  prisma.order.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } }, include: { items: true } });

export interface NewOrder {
  userId: string;
  idempotencyKey: string;
  currency: string;
  items: { productId: string; quantity: number; unitPriceAmount: number; currency: string }[];
}

/** Creates the order inside the caller's transaction (which also writes its event). */
export function createOrder(tx: Tx, order: NewOrder) {
  return tx.order.create({
    data: {
      userId: order.userId,
      idempotencyKey: order.idempotencyKey,
      currency: order.currency,
      totalAmount: order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceAmount, 0),
      items: { create: order.items },
    },
    include: { items: true },
  });
}

/** A unique rule refused the write: for createOrder, a concurrent request with the same user and key won. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * Moves an order to `to` only from `from`, so replayed or out-of-order events change nothing.
 * A move that happened writes order.status_changed to the outbox in the same transaction, so
 * the announcement commits (or rolls back) with the change; a move that did not writes nothing.
 */
export async function transitionOrder(tx: Tx, orderId: string, from: OrderRow['status'], to: OrderRow['status']) {
  const result = await tx.order.updateMany({ where: { id: orderId, status: from }, data: { status: to } });
  if (result.count === 1) {
    const { userId } = await tx.order.findUniqueOrThrow({ where: { id: orderId }, select: { userId: true } });
    await insertOutboxEvent(
      tx,
      'orders',
      newEvent('order.status_changed', { orderId, userId, from, to, changedAt: new Date().toISOString() }),
    );
  }
  return result;
}

export const findOrderStatus = async (tx: Tx, orderId: string) =>
  (await tx.order.findUnique({ where: { id: orderId }, select: { status: true } }))?.status;
