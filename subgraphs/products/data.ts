/** Data access of the products subgraph (Prisma, schema "products"). */
import type { Product as ProductRow } from '../../prisma/generated/client';
import { Prisma } from '../../prisma/generated/client';
import { sqlReaderOf, type PrismaClient } from '../../prisma/database';
import { appError, ErrorCode, notFound } from '../../platform/errors';
import { decodeCursor, type CursorKey } from '../kit/pagination';
import { money } from '../kit/shared-types';
import { Product } from './product';

export type { ProductRow };

export function toProduct(row: ProductRow): Product {
  return Object.assign(new Product(), {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: money(row.priceAmount, row.currency),
    stock: row.stock,
  });
}

/** A product row as Prisma gives it; the catalogue's reads go through SqlReader (plain reads, hot paths). */
const PRODUCT_COLUMNS = Prisma.raw(`"id", "sku", "name", "description", "category", "priceAmount", "currency", "stock",
  "createdAt" AT TIME ZONE 'UTC' AS "createdAt", "updatedAt" AT TIME ZONE 'UTC' AS "updatedAt"`);

/** Products by id, for every reference to one (order lines, recommendations). */
export const findProductsByIds = (prisma: PrismaClient, ids: string[]) =>
  sqlReaderOf(prisma).query<ProductRow>(Prisma.sql`SELECT ${PRODUCT_COLUMNS} FROM "products"."Product" WHERE "id" = ANY(${ids})`);

export interface ProductFilter {
  category?: string | null;
  search?: string | null;
}

/**
 * The search is matched with ILIKE (case-insensitive), so `%` and `_` in it would act as wildcards
 * and a backslash as LIKE's escape character: escape all three.
 */
const literalForLike = (text: string): string => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * A page of the catalogue in id order: the catalogue's every request, so a plain read (the
 * statement Prisma's findMany made: name containing the search or SKU equal to it, both
 * case-insensitive).
 */
export function listProducts(prisma: PrismaClient, filter: ProductFilter, take: number, after?: string | null) {
  const afterId = after ? String(decodeCursor(after)[0]) : undefined;
  const search = filter.search?.trim();
  const conditions = [
    ...(afterId ? [Prisma.sql`"id" > ${afterId}`] : []),
    ...(filter.category ? [Prisma.sql`"category" = ${filter.category}`] : []),
    ...(search ? [Prisma.sql`("name" ILIKE ${`%${literalForLike(search)}%`} OR "sku" ILIKE ${literalForLike(search)})`] : []),
  ];
  const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
  return sqlReaderOf(prisma).query<ProductRow>(
    Prisma.sql`SELECT ${PRODUCT_COLUMNS} FROM "products"."Product" ${where} ORDER BY "id" ASC LIMIT ${take}`,
  );
}

export const productCursor = (row: { id: string }): CursorKey => [row.id];

export async function setStock(prisma: PrismaClient, productId: string, stock: number): Promise<ProductRow> {
  try {
    return await prisma.product.update({ where: { id: productId }, data: { stock } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') throw notFound('Product', productId);
    throw error;
  }
}

export interface ReservedRow {
  productId: string;
  quantity: number;
  unitPriceAmount: number;
  currency: string;
}

/**
 * Takes units out of stock for an order, all or nothing, and records the reservation under its
 * id so that a retried call returns the first result instead of taking stock twice.
 */
export async function reserveStock(
  prisma: PrismaClient,
  reservationId: string,
  items: { productId: string; quantity: number }[],
): Promise<ReservedRow[]> {
  const existing = await prisma.stockReservation.findUnique({ where: { id: reservationId } });
  if (existing) return replayOf(existing);
  try {
    return await prisma.$transaction(async (tx) => {
      const rows = await tx.product.findMany({ where: { id: { in: items.map((item) => item.productId) } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      const reserved: ReservedRow[] = [];
      for (const item of items) {
        const product = byId.get(item.productId);
        if (!product) throw notFound('Product', item.productId);
        // The stock condition in the UPDATE itself keeps concurrent orders from overselling.
        const { count } = await tx.product.updateMany({
          where: { id: item.productId, stock: { gte: item.quantity } },
          data: { stock: { decrement: item.quantity } },
        });
        if (count === 0) {
          throw appError(
            ErrorCode.INSUFFICIENT_STOCK,
            `Not enough stock for product ${item.productId}: ${product.stock} left, ${item.quantity} asked`,
            {
              productId: item.productId,
              available: product.stock,
            },
          );
        }
        reserved.push({
          productId: item.productId,
          quantity: item.quantity,
          unitPriceAmount: product.priceAmount,
          currency: product.currency,
        });
      }
      await tx.stockReservation.create({ data: { id: reservationId, items: reserved as unknown as Prisma.InputJsonValue } });
      return reserved;
    });
  } catch (error) {
    // A concurrent call with the same id won the race: its reservation is the answer.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await prisma.stockReservation.findUniqueOrThrow({ where: { id: reservationId } });
      return replayOf(winner);
    }
    throw error;
  }
}

/**
 * A retry gets the first result; but a reservation whose stock went back (its order expired or
 * was given up) holds nothing, and answering with its lines would make an order of goods nobody
 * holds: its id is spent.
 */
function replayOf(reservation: { id: string; items: Prisma.JsonValue; releasedAt: Date | null }): ReservedRow[] {
  if (reservation.releasedAt) {
    throw appError(ErrorCode.CONFLICT, `Reservation ${reservation.id} was released; place the order with a new idempotencyKey`);
  }
  return reservation.items as unknown as ReservedRow[];
}
