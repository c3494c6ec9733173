/**
 * Paying and refunding. Every step is a compare-and-set on the payment's status, and every
 * outcome is written with its event in one transaction (the outbox); the relay puts the event on
 * the bus, where the orders service follows it. The bus being down never fails a payment: the
 * event waits in the outbox and the order follows when the bus is back.
 */
import { appError, badInput, ErrorCode, notFound } from '../../platform/errors';
import type { SubgraphContext } from '../kit/context';
import { requireAllowed } from '../../platform/viewer';
import { createPendingPayment, findPaymentByKey, moveStatus, type PaymentRow } from './data';
import type { PaymentsLoaders } from './loaders';
import type { PayOrderInput } from './payment';
import { describeCard, isValidCardNumber, type PaymentProvider } from './provider';
import { assertTransition } from './state-machine';

type Context = SubgraphContext<PaymentsLoaders>;

const ORDER_TO_PAY = `
  query OrderToPay($id: ID!) { order(id: $id) { id status total { amount currency } user { id } } }`;

interface OrderToPay {
  order: { id: string; status: string; total: { amount: number; currency: string }; user: { id: string } } | null;
}

function validate(input: PayOrderInput): void {
  if (input.idempotencyKey.trim() === '' || input.idempotencyKey.length > 128) {
    throw badInput('input.idempotencyKey', 'must be 1 to 128 characters');
  }
  if (!isValidCardNumber(input.cardNumber)) {
    throw badInput('input.cardNumber', 'is not a valid card number (12 to 19 digits with a correct check digit)');
  }
}

export async function payOrder(userId: string, input: PayOrderInput, context: Context, provider: PaymentProvider): Promise<PaymentRow> {
  validate(input);
  const { prisma, services, outbox, viewer } = context;
  const previous = await findPaymentByKey(prisma, userId, input.idempotencyKey);
  if (previous) return sameOrderOrConflict(previous, input);

  // The orders service decides whether this viewer may see the order at all.
  const { order } = await services.request<OrderToPay>('orders', ORDER_TO_PAY, { id: input.orderId }, viewer);
  if (!order) throw notFound('Order', input.orderId);
  // An admin may read anyone's order, but only its customer may pay it.
  requireAllowed(viewer, order.user.id === userId, 'Only the customer who placed an order can pay it');
  // The orders service reads an order past its reservation's deadline as EXPIRED, swept or not.
  if (order.status === 'EXPIRED') {
    throw appError(ErrorCode.ORDER_EXPIRED, `Order ${order.id} expired unpaid; its stock went back on sale. Place it again.`, {
      orderId: order.id,
    });
  }
  if (order.status !== 'PENDING_PAYMENT') {
    throw appError(ErrorCode.INVALID_STATE_TRANSITION, `Order ${order.id} is ${order.status}, not waiting for payment`);
  }

  const payment = await createPendingPayment(prisma, {
    orderId: order.id,
    userId,
    amount: order.total.amount,
    currency: order.total.currency,
    method: describeCard(input.cardNumber),
    idempotencyKey: input.idempotencyKey,
  });
  if (!payment) {
    const sameKey = await findPaymentByKey(prisma, userId, input.idempotencyKey);
    if (sameKey) return sameOrderOrConflict(sameKey, input);
    throw appError(ErrorCode.CONFLICT, `Order ${order.id} already has a payment in progress or completed`);
  }

  const event = { paymentId: payment.id, orderId: order.id, userId, amount: payment.amount, currency: payment.currency };
  const authorized = await provider.authorize({
    cardNumber: input.cardNumber,
    amount: payment.amount,
    currency: payment.currency,
    paymentId: payment.id,
  });
  if (!authorized.ok) {
    const reason = authorized.reason;
    const failed = await outbox.transaction(prisma, async (tx, emit) => {
      const moved = await moveStatus(tx, payment.id, 'PENDING', 'FAILED', reason);
      if (moved) await emit('payment.failed', { ...event, reason });
      return moved;
    });
    return failed ?? payment;
  }
  await moveStatus(prisma, payment.id, 'PENDING', 'AUTHORIZED');
  const captured = await provider.capture(authorized.reference);
  if (!captured.ok) {
    const reason = captured.reason;
    const failed = await outbox.transaction(prisma, async (tx, emit) => {
      const moved = await moveStatus(tx, payment.id, 'AUTHORIZED', 'FAILED', reason);
      if (moved) await emit('payment.failed', { ...event, reason });
      return moved;
    });
    return failed ?? payment;
  }
  const done = await outbox.transaction(prisma, async (tx, emit) => {
    const moved = await moveStatus(tx, payment.id, 'AUTHORIZED', 'CAPTURED');
    if (moved) await emit('payment.captured', event);
    return moved;
  });
  return done ?? payment;
}

function sameOrderOrConflict(payment: PaymentRow, input: PayOrderInput): PaymentRow {
  if (payment.orderId !== input.orderId) {
    throw appError(ErrorCode.CONFLICT, `idempotencyKey "${input.idempotencyKey}" was already used to pay another order`, {
      field: 'input.idempotencyKey',
    });
  }
  return payment;
}

export async function refundPayment(paymentId: string, context: Context, provider: PaymentProvider): Promise<PaymentRow> {
  const { prisma, loaders, outbox } = context;
  // The loader applies payment.access.ts: someone else's payment is reported as missing, its
  // existence is not theirs to learn.
  const payment = await loaders.payment.load(paymentId);
  if (!payment) throw notFound('Payment', paymentId);
  assertTransition(payment.status, 'REFUNDED');
  const refunded = await provider.refund(`test_${payment.id}`);
  if (!refunded.ok) throw appError(ErrorCode.SERVICE_UNAVAILABLE, `The payment provider refused the refund: ${refunded.reason}`);
  const done = await outbox.transaction(prisma, async (tx, emit) => {
    const moved = await moveStatus(tx, payment.id, 'CAPTURED', 'REFUNDED');
    if (moved) {
      await emit('payment.refunded', {
        paymentId: moved.id,
        orderId: moved.orderId,
        userId: moved.userId,
        amount: moved.amount,
        currency: moved.currency,
      });
    }
    return moved;
  });
  if (!done) throw appError(ErrorCode.INVALID_STATE_TRANSITION, `Payment ${payment.id} changed status meanwhile; read it again`);
  return done;
}
