/**
 * Stock coming back from orders that no longer hold it (expired unpaid, refunded, or placements
 * given up): the reverse of reserveStock, applied through the reservation it undoes. The
 * reservation's `releasedAt` is set in the same transaction as the restock and only while it is
 * null, so a release delivered twice (the bus delivers at least once) restocks once.
 */
import { Prisma } from '../../prisma/generated/client';
import type { PrismaClient } from '../../prisma/database';
import type { SubgraphDeps } from '../kit/definition';
import { announceProductUpdates, type ProductsResources } from './changes';
import type { ReservedRow } from './data';

/** Returns a reservation's units to stock once; resolves with the products restocked (none when it was already released or never made). */
export async function releaseReservation(prisma: PrismaClient, reservationId: string): Promise<string[]> {
  return prisma.$transaction(async (tx) => {
    const released = await tx.$queryRaw<{ items: ReservedRow[] | string }[]>(
      Prisma.sql`UPDATE "products"."StockReservation" SET "releasedAt" = CURRENT_TIMESTAMP
                  WHERE "id" = ${reservationId} AND "releasedAt" IS NULL RETURNING "items"`,
    );
    if (released.length === 0) return [];
    const raw = released[0].items;
    const items = typeof raw === 'string' ? (JSON.parse(raw) as ReservedRow[]) : raw;
    for (const item of items) {
      await tx.product.updateMany({ where: { id: item.productId }, data: { stock: { increment: item.quantity } } });
    }
    return items.map((item) => item.productId);
  });
}

export function consumeStockReleases({ bus, prisma }: SubgraphDeps, resources: ProductsResources): (() => void)[] {
  return [
    bus.subscribe('order.reservation_released', 'products', async (event) => {
      const restocked = await releaseReservation(prisma, event.payload.reservationId);
      // Gateways' entity caches drop the products whose stock changed.
      if (restocked.length > 0) await announceProductUpdates(resources.changes, restocked);
    }),
  ];
}
