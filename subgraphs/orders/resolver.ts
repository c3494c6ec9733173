import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../kit/context';
import { PARTNER } from '../kit/partner-tag';
import { pageSize, toConnection } from '../kit/pagination';
import { requireUser } from '../../platform/viewer';
import { requireMayReadOrdersOf } from './order.access';
import { orderCursor, ordersOfUserAfter, toOrder, toOrderItem } from './data';
import type { OrdersLoaders } from './loaders';
import { Order, OrderConnection, OrderItem, PlaceOrderInput, User } from './order';
import { placeOrder } from './place-order';
import { confirmOrder } from './confirm-order';

type Context = SubgraphContext<OrdersLoaders>;

@Resolver(() => Order)
export class OrderResolver {
  @Directive(PARTNER)
  @Query(() => Order, {
    nullable: true,
    description: 'One of your orders by id (any order for admins); null when there is none you may see.',
  })
  async order(@Arg('id', () => ID, { description: 'Id of the order.' }) id: string, @Ctx() { viewer, loaders }: Context) {
    requireUser(viewer);
    const row = await loaders.order.load(id);
    return row ? toOrder(row) : null;
  }

  @Directive(PARTNER)
  @Mutation(() => Order, {
    description:
      'Place an order for the caller: the signed-in user, or on the partner API the account of the partner. Reserves stock; the same idempotencyKey returns the same order.',
  })
  async placeOrder(
    @Arg('input', () => PlaceOrderInput, { description: 'Items to order and the idempotency key.' }) input: PlaceOrderInput,
    @Ctx() context: Context,
  ): Promise<Order> {
    const userId = requireUser(context.viewer);
    const order = await placeOrder(userId, input, context);
    context.loaders.items.prime(order.id, order.items);
    return toOrder(order);
  }

  @Directive(PARTNER)
  @Mutation(() => Order, {
    description:
      'Partner API: confirm an order your partner account placed, on account (you are invoiced; no card payment). Only while it is PENDING_PAYMENT and before reservedUntil; confirming again returns the order.',
  })
  async confirmOrder(
    @Arg('id', () => ID, { description: 'Id of the order to confirm.' }) id: string,
    @Ctx() context: Context,
  ): Promise<Order> {
    return toOrder(await confirmOrder(id, context));
  }

  @Directive(PARTNER)
  @FieldResolver(() => [OrderItem], { description: 'What was ordered, at the prices of the moment.' })
  async items(@Root() order: Order, @Ctx() { loaders }: Context): Promise<OrderItem[]> {
    return (await loaders.items.load(order.id)).map(toOrderItem);
  }
}

@Resolver(() => User)
export class UserOrdersResolver {
  @FieldResolver(() => OrderConnection, {
    nullable: true,
    description:
      'Orders of this user, newest first (the user and admins only); null (with a SERVICE_UNAVAILABLE error) while the orders service is unavailable.',
  })
  async orders(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 1000).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() { viewer, prisma, loaders }: Context,
  ) {
    requireMayReadOrdersOf(viewer, user.id);
    const size = pageSize(first);
    const rows = after ? await ordersOfUserAfter(prisma, user.id, size + 1, after) : await loaders.firstOrders(size + 1).load(user.id);
    return toConnection(rows, size, orderCursor, Boolean(after), toOrder);
  }
}
