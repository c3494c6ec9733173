/**
 * The orders part of a personal data export (platform/privacy-export.ts): every order of the user
 * with its items. Internal: only the users subgraph's export worker asks, with service claims, and
 * the field is @inaccessible, so it is not in the public API.
 */
import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import type { PrismaClient } from '../../prisma/database';
import type { OrdersPart } from '../../platform/privacy-export';
import { requireService } from '../../platform/viewer';
import type { SubgraphContext } from '../kit/context';

export async function ordersPartOf(prisma: PrismaClient, userId: string): Promise<OrdersPart> {
  const orders = await prisma.order.findMany({
    where: { userId },
    include: { items: { orderBy: { id: 'asc' } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return {
    subgraph: 'orders',
    orders: orders.map((order) => ({
      id: order.id,
      status: order.status,
      totalAmount: order.totalAmount,
      currency: order.currency,
      idempotencyKey: order.idempotencyKey,
      createdAt: order.createdAt.toISOString(),
      reservedUntil: order.reservedUntil?.toISOString() ?? null,
      items: order.items.map((item) => ({
        id: item.id,
        productId: item.productId,
        quantity: item.quantity,
        unitPriceAmount: item.unitPriceAmount,
        currency: item.currency,
      })),
    })),
  };
}

@Resolver()
export class OrdersPersonalDataResolver {
  @Directive('@inaccessible')
  @Query(() => String, {
    description:
      "Internal (users export worker): the orders part of the user's personal data export, as JSON (docs/privacy-export.schema.json).",
  })
  async ordersPersonalData(
    @Arg('userId', () => ID, { description: 'The user the export is about.' }) userId: string,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<string> {
    requireService(viewer);
    return JSON.stringify(await ordersPartOf(prisma, userId));
  }
}
