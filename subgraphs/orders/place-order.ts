/**
 * Placing an order: validate, honour the idempotency key, claim the units against the buyer's
 * cap on unpaid units, reserve stock in the products service (which owns stock and prices), record
 * the order with its reservation deadline and its order.placed event in one transaction (the
 * outbox relay publishes the event; a bus outage neither fails nor delays the order). Both
 * transactions refuse a buyer erased meanwhile (../kit/erased-users.ts): an erasure that lands
 * between them deletes the claim, and the order is refused and its stock given back.
 */
import { GraphQLError } from 'graphql';
import { appError, badInput, ErrorCode } from '../../platform/errors';
import type { SubgraphContext } from '../kit/context';
import { isErasedUserRefusal, refuseErasedUser } from '../kit/erased-users';
import type { Viewer } from '../../platform/viewer';
import { createOrder, findOrderByKey, findOrdersByIds, isUniqueViolation, type OrderItemRow, type OrderRow } from './data';
import { claimUnpaidUnits, dropClaim, reservationIdOf, startReservationClock } from './reservations';
import type { OrdersLoaders } from './loaders';
import type { PlaceOrderInput } from './order';
import { sameLines, validatePlaceOrder } from './validation';

const RESERVE_STOCK = `
  mutation ReserveStock($reservationId: String!, $items: [StockItemInput!]!) {
    reserveStock(reservationId: $reservationId, items: $items) { productId quantity unitPrice { amount currency } }
  }`;

interface Reserved {
  reserveStock: { productId: string; quantity: number; unitPrice: { amount: number; currency: string } }[];
}

type OrderWithItems = OrderRow & { items: OrderItemRow[] };

export async function placeOrder(userId: string, input: PlaceOrderInput, context: SubgraphContext<OrdersLoaders>): Promise<OrderWithItems> {
  validatePlaceOrder(input);
  const { prisma, services, outbox, config } = context;
  const { idempotencyKey } = input;
  const previous = await findOrderByKey(prisma, userId, idempotencyKey);
  if (previous) return withCurrentStatus(context, sameOrderOrConflict(previous, input));

  const units = input.items.reduce((sum, item) => sum + item.quantity, 0);
  await prisma.$transaction((tx) => claimUnpaidUnits(tx, { userId, idempotencyKey, units }, config.orders.maxUnpaidUnits));
  let reserved: Reserved['reserveStock'];
  try {
    reserved = await reserve(userId, input, context.viewer, services);
  } catch (error) {
    // Nothing was taken (a reservation is all or nothing): the claim goes, so the cap counts only what is held.
    await prisma.$transaction((tx) => dropClaim(tx, userId, idempotencyKey)).catch(() => undefined);
    throw error;
  }
  const currencies = new Set(reserved.map((line) => line.unitPrice.currency));
  if (currencies.size > 1) {
    await abandonReservation(context, userId, idempotencyKey);
    throw badInput('input.items', 'all products of one order must be priced in the same currency');
  }
  const created = await outbox
    .transaction(prisma, async (tx, emit) => {
      await refuseErasedUser(tx, 'orders', userId);
      const created = await createOrder(tx, {
        userId,
        idempotencyKey: input.idempotencyKey,
        currency: reserved[0].unitPrice.currency,
        items: reserved.map((line) => ({
          productId: line.productId,
          quantity: line.quantity,
          unitPriceAmount: line.unitPrice.amount,
          currency: line.unitPrice.currency,
        })),
      });
      const order = { ...created, reservedUntil: await startReservationClock(tx, created.id, config.orders.reservationTtlSeconds) };
      await dropClaim(tx, userId, idempotencyKey);
      await emit('order.placed', {
        orderId: order.id,
        userId,
        items: order.items.map((item) => ({ productId: item.productId, quantity: item.quantity, unitPriceAmount: item.unitPriceAmount })),
        totalAmount: order.totalAmount,
        currency: order.currency,
        placedAt: order.createdAt.toISOString(),
      });
      return order;
    })
    .catch(async (error: unknown) => {
      if (isUniqueViolation(error)) return null;
      if (isErasedUserRefusal(error)) await abandonReservation(context, userId, idempotencyKey);
      throw error;
    });
  if (!created) {
    // A concurrent request with the same key committed first; both callers get its order (and
    // this call's claim, if it was written after the winner dropped it, goes too).
    await prisma.$transaction((tx) => dropClaim(tx, userId, idempotencyKey)).catch(() => undefined);
    const winner = await findOrderByKey(prisma, userId, input.idempotencyKey);
    if (!winner) throw appError(ErrorCode.CONFLICT, 'The order could not be recorded; retry with the same idempotencyKey');
    return withCurrentStatus(context, sameOrderOrConflict(winner, input));
  }
  return created;
}

/** A replayed order as readers see it now: past its deadline it is EXPIRED even before the sweeper moved it. */
async function withCurrentStatus(context: SubgraphContext<OrdersLoaders>, order: OrderWithItems): Promise<OrderWithItems> {
  const [current] = await findOrdersByIds(context.prisma, [order.id]);
  return current ? { ...order, status: current.status, reservedUntil: current.reservedUntil } : order;
}

/**
 * Gives back stock reserved for a placement that will not become an order: written to the outbox
 * (the products service applies it), and the claim on the cap goes in the same transaction.
 */
async function abandonReservation(context: SubgraphContext<OrdersLoaders>, userId: string, idempotencyKey: string): Promise<void> {
  await context.outbox.transaction(context.prisma, async (tx, emit) => {
    await dropClaim(tx, userId, idempotencyKey);
    await emit('order.reservation_released', {
      orderId: null,
      reservationId: reservationIdOf(userId, idempotencyKey),
      reason: 'ABANDONED',
    });
  });
}

function sameOrderOrConflict(order: OrderWithItems, input: PlaceOrderInput): OrderWithItems {
  if (!sameLines(order.items, input.items)) {
    throw appError(ErrorCode.CONFLICT, `idempotencyKey "${input.idempotencyKey}" was already used for a different order`, {
      field: 'input.idempotencyKey',
      orderId: order.id,
    });
  }
  return order;
}

async function reserve(userId: string, input: PlaceOrderInput, viewer: Viewer, services: SubgraphContext['services']) {
  try {
    const result = await services.request<Reserved>(
      'products',
      RESERVE_STOCK,
      {
        reservationId: reservationIdOf(userId, input.idempotencyKey),
        items: input.items.map(({ productId, quantity }) => ({ productId, quantity })),
      },
      { userId: viewer.userId, roles: [...viewer.roles, 'service'] },
    );
    return result.reserveStock;
  } catch (error) {
    throw withInputField(error, input);
  }
}

/** Points an error about one product at the input line that named it. */
function withInputField(error: unknown, input: PlaceOrderInput): unknown {
  if (!(error instanceof GraphQLError)) return error;
  const productId = error.extensions.productId ?? error.extensions.id;
  const index = input.items.findIndex((item) => item.productId === productId);
  if (index < 0) return error;
  if (error.extensions.code === ErrorCode.NOT_FOUND) {
    return badInput(`input.items[${index}].productId`, `no product with id ${String(productId)}`);
  }
  return new GraphQLError(error.message, { extensions: { ...error.extensions, field: `input.items[${index}].quantity` } });
}
