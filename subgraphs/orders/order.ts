import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrderStatus } from '../../prisma/generated/enums';
import { connectionTypes } from '../kit/pagination';
import { PARTNER } from '../kit/partner-tag';
import { Money } from '../kit/shared-types';

registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'Where an order is in its life.',
  valuesConfig: {
    PENDING_PAYMENT: {
      description: 'Placed, stock reserved until reservedUntil, waiting for a captured payment (or, for a partner, its confirmation).',
    },
    PAID: { description: 'A payment was captured.' },
    REFUNDED: { description: 'The payment was refunded; the stock went back on sale.' },
    EXPIRED: {
      description: 'Not paid or confirmed before reservedUntil: the stock went back on sale and the order can no longer be paid.',
    },
    CONFIRMED: {
      description: 'Confirmed on account by the partner that placed it (confirmOrder): the partner is invoiced; the stock stays sold.',
    },
  },
});

@Directive('@key(fields: "id", resolvable: false)')
@Directive(PARTNER)
@ObjectType({ description: 'A product of the catalogue (resolved by the products subgraph).' })
export class Product {
  @Field(() => ID, { description: 'Id of the product.' })
  id!: string;
}

@Directive(PARTNER)
@ObjectType({ description: 'One line of an order.' })
export class OrderItem {
  @Field(() => ID, { description: 'Id of the product ordered; known even when the product itself is unavailable.' })
  productId!: string;

  // Nullable: its details come from the products subgraph, whose outage must null only this field.
  @Field(() => Product, {
    nullable: true,
    description: 'The product ordered; null (with a SERVICE_UNAVAILABLE error) while the products service is unavailable.',
  })
  product!: Product | null;

  @Field(() => Int, { description: 'Units ordered.' })
  quantity!: number;

  @Field(() => Money, { description: 'Unit price at the time of the order.' })
  unitPrice!: Money;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A customer account (owned by the users subgraph).' })
export class User {
  @Field(() => ID, { description: 'Id of the user.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An order placed by a user; visible to that user and to admins.' })
export class Order {
  @Directive(PARTNER)
  @Field(() => ID, { description: 'Stable identifier of the order.' })
  id!: string;

  @Field(() => User, {
    nullable: true,
    description: 'Who placed the order; null (with a SERVICE_UNAVAILABLE error) while the users service is unavailable.',
  })
  user!: User | null;

  @Directive(PARTNER)
  @Field(() => OrderStatus, { description: 'Payment state of the order.' })
  status!: OrderStatus;

  @Directive(PARTNER)
  @Field(() => Money, { description: 'Sum of quantity × unit price over all items.' })
  total!: Money;

  @Directive(PARTNER)
  @Field(() => Date, { description: 'When the order was placed.' })
  createdAt!: Date;

  @Directive(PARTNER)
  @Field(() => Date, {
    nullable: true,
    description:
      'Until when a PENDING_PAYMENT order holds its stock; pay (or confirm) before then or it becomes EXPIRED. Null in every other status.',
  })
  reservedUntil!: Date | null;

  /** Not a GraphQL field here: `items` has a field resolver that batches across orders. */
  userId!: string;
}

export const OrderConnection = connectionTypes(Order, 'Order', 'orders');

@Directive(PARTNER)
@InputType({ description: 'One product and how many units of it to order.' })
export class OrderItemInput {
  @Field(() => ID, { description: 'Product to order.' })
  productId!: string;

  @Field(() => Int, { description: 'Units to order, 1 to 100.' })
  quantity!: number;
}

@Directive(PARTNER)
@InputType({ description: 'What to order. Sending the same idempotencyKey again returns the first order.' })
export class PlaceOrderInput {
  @Field(() => [OrderItemInput], { description: 'The products to order, each at most once (1 to 50 lines).' })
  items!: OrderItemInput[];

  @Field(() => String, { description: 'Client-chosen key (1 to 128 characters) that makes retries safe.' })
  idempotencyKey!: string;
}
