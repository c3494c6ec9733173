import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { Audited } from '../kit/audit';
import type { SubgraphContext } from '../kit/context';
import { requireUser } from '../../platform/viewer';
import { mayReadPayment } from './payment.access';
import { currentPayment, toPayment } from './data';
import type { PaymentsLoaders } from './loaders';
import { payOrder, refundPayment } from './pay-order';
import { Order, PayOrderInput, Payment } from './payment';
import { TestPaymentProvider, type PaymentProvider } from './provider';

type Context = SubgraphContext<PaymentsLoaders>;

/** The provider in use; the deterministic test provider until a real acquirer is configured. */
export const paymentProvider: PaymentProvider = new TestPaymentProvider();

@Resolver(() => Payment)
export class PaymentResolver {
  @Mutation(() => Payment, {
    description: 'Pay one of your orders by card. A declined card gives a FAILED payment; the order can then be paid again with a new key.',
  })
  async payOrder(
    @Arg('input', () => PayOrderInput, { description: 'Order, idempotency key and card.' }) input: PayOrderInput,
    @Ctx() context: Context,
  ): Promise<Payment> {
    const userId = requireUser(context.viewer);
    return toPayment(await payOrder(userId, input, context, paymentProvider));
  }

  @Audited('payment.refund', { subject: ({ args }) => args.paymentId })
  @Mutation(() => Payment, { description: 'Refund a captured payment of yours (any payment for admins).' })
  async refundPayment(
    @Arg('paymentId', () => ID, { description: 'The payment to refund; it must be CAPTURED.' }) paymentId: string,
    @Ctx() context: Context,
  ): Promise<Payment> {
    requireUser(context.viewer);
    return toPayment(await refundPayment(paymentId, context, paymentProvider));
  }
}

@Resolver(() => Order)
export class OrderPaymentResolver {
  @FieldResolver(() => Payment, {
    nullable: true,
    description: 'The payment of this order: the live one, else the latest failed attempt; null if unpaid.',
  })
  async payment(@Root() order: Order, @Ctx() { viewer, loaders }: Context): Promise<Payment | null> {
    const payment = currentPayment(await loaders.paymentsOfOrder.load(order.id));
    return payment && mayReadPayment(viewer, payment) ? toPayment(payment) : null;
  }
}
