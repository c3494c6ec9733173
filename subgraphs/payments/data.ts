/** Data access of the payments subgraph (Prisma, schema "payments"). */
import type { Payment as PaymentRow } from '../../prisma/generated/client';
import { Prisma } from '../../prisma/generated/client';
import type { PaymentStatus } from '../../prisma/generated/enums';
import { sqlReaderOf, type PrismaClient } from '../../prisma/database';
import { refuseErasedUser } from '../kit/erased-users';
import type { Tx } from '../kit/events';
import { money } from '../kit/shared-types';
import { Order, Payment } from './payment';

export type { PaymentRow };

export function toPayment(row: PaymentRow): Payment {
  return Object.assign(new Payment(), {
    id: row.id,
    userId: row.userId,
    order: Object.assign(new Order(), { id: row.orderId }),
    amount: money(row.amount, row.currency),
    status: row.status,
    method: row.method,
    failureReason: row.failureReason,
    createdAt: row.createdAt,
  });
}

/** A payment row as Prisma gives it; the loaders read through SqlReader (plain reads, hot paths). */
const PAYMENT_COLUMNS = Prisma.raw(`"id", "orderId", "userId", "amount", "currency", "status"::text AS "status", "method", "failureReason",
  "idempotencyKey", "createdAt" AT TIME ZONE 'UTC' AS "createdAt", "updatedAt" AT TIME ZONE 'UTC' AS "updatedAt"`);

export const findPaymentsByIds = (prisma: PrismaClient, ids: string[]) =>
  sqlReaderOf(prisma).query<PaymentRow>(Prisma.sql`SELECT ${PAYMENT_COLUMNS} FROM "payments"."Payment" WHERE "id" = ANY(${ids})`);

export const findPaymentsOfOrders = (prisma: PrismaClient, orderIds: string[]) =>
  sqlReaderOf(prisma).query<PaymentRow>(
    Prisma.sql`SELECT ${PAYMENT_COLUMNS} FROM "payments"."Payment" WHERE "orderId" = ANY(${orderIds}) ORDER BY "createdAt" ASC`,
  );

export const findPaymentByKey = (prisma: PrismaClient, userId: string, idempotencyKey: string) =>
  prisma.payment.findUnique({ where: { userId_idempotencyKey: { userId, idempotencyKey } } });

/**
 * Inserts a PENDING payment; null when a unique rule (same key, or the order already paid) refused
 * it. Refused for an erased payer (../kit/erased-users.ts): the payer's lock orders it with the
 * erasure, which then pseudonymises it, or it finds the payer erased.
 */
export async function createPendingPayment(
  prisma: PrismaClient,
  data: { orderId: string; userId: string; amount: number; currency: string; method: string; idempotencyKey: string },
): Promise<PaymentRow | null> {
  try {
    return await prisma.$transaction(async (tx) => {
      await refuseErasedUser(tx, 'payments', data.userId);
      return tx.payment.create({ data });
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
    throw error;
  }
}

/** Compare-and-set on status, so two workers can never both move the same payment. */
export async function moveStatus(
  prisma: Tx,
  id: string,
  from: PaymentStatus,
  to: PaymentStatus,
  failureReason?: string,
): Promise<PaymentRow | null> {
  const { count } = await prisma.payment.updateMany({ where: { id, status: from }, data: { status: to, failureReason } });
  return count === 1 ? prisma.payment.findUnique({ where: { id } }) : null;
}

/** The payment that speaks for an order: the live one if any, else the latest failed attempt. */
export function currentPayment(payments: PaymentRow[]): PaymentRow | null {
  const live = payments.filter((payment) => payment.status !== 'FAILED');
  return live[live.length - 1] ?? payments[payments.length - 1] ?? null;
}
