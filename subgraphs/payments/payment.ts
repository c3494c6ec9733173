import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PaymentStatus } from '../../prisma/generated/enums';
import { Money } from '../kit/shared-types';

registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'Life cycle of a payment: PENDING → AUTHORIZED → CAPTURED → REFUNDED, or FAILED.',
  valuesConfig: {
    PENDING: { description: 'Created, not yet answered by the payment provider.' },
    AUTHORIZED: { description: 'The provider reserved the amount on the card.' },
    CAPTURED: { description: 'The amount was collected; the order is paid.' },
    FAILED: { description: 'The provider declined; see failureReason. The order can be paid again.' },
    REFUNDED: { description: 'The captured amount was given back.' },
  },
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'An order (owned by the orders subgraph), seen from payments.' })
export class Order {
  @Field(() => ID, { description: 'Id of the order.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "A payment for an order; visible to the order's owner and to admins." })
export class Payment {
  @Field(() => ID, { description: 'Stable identifier of the payment.' })
  id!: string;

  @Field(() => Order, {
    nullable: true,
    description: 'The order this payment pays; null (with a SERVICE_UNAVAILABLE error) while the orders service is unavailable.',
  })
  order!: Order | null;

  @Field(() => Money, { description: 'Amount charged.' })
  amount!: Money;

  @Field(() => PaymentStatus, { description: 'Where the payment is in its life cycle.' })
  status!: PaymentStatus;

  @Field(() => String, { description: 'How it was paid, e.g. "card •••• 4242".' })
  method!: string;

  @Field(() => String, { nullable: true, description: 'Why the provider declined, when status is FAILED.' })
  failureReason!: string | null;

  @Field(() => Date, { description: 'When the payment was created.' })
  createdAt!: Date;

  userId!: string;
}

@InputType({ description: 'Pay an order by card. Sending the same idempotencyKey again returns the first payment.' })
export class PayOrderInput {
  @Field(() => ID, { description: 'The order to pay; it must be yours and waiting for payment.' })
  orderId!: string;

  @Field(() => String, { description: 'Client-chosen key (1 to 128 characters) that makes retries safe.' })
  idempotencyKey!: string;

  @Field(() => String, {
    description: 'Card number (test provider: 4242424242424242 always succeeds, 4000000000000002 is always declined).',
  })
  cardNumber!: string;
}
