/**
 * The time limit on the stock an unpaid order holds, and the cap on what one buyer may hold.
 *
 * Every deadline is set and compared by the database clock (`NOW_UTC`), never a process's, so
 * replicas with skewed clocks agree on when an order expired. An order whose deadline passed is
 * EXPIRED to every reader at once (the read columns in data.ts compute it), and a sweeper
 * (sweeper.ts) moves it to EXPIRED for good: a conditional update that only one replica can win,
 * which writes the status change and the release of its stock to the outbox in the same
 * transaction. The products service applies the release once (products/stock-release.ts).
 */
import { Prisma } from '../../prisma/generated/client';
import { appError, ErrorCode } from '../../platform/errors';
import { refuseErasedUser } from '../kit/erased-users';
import type { Emit, Tx } from '../kit/events';

/** The database's current time as the UTC timestamp Prisma's columns hold. */
export const NOW_UTC = Prisma.raw(`(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`);

/** How long a placeOrder in flight holds its claim on the buyer's cap: far beyond its call to products (5 s timeout). */
const CLAIM_SECONDS = 60;

/** The id placeOrder reserves stock under: the order's idempotency identity, so a retry never takes stock twice. */
export const reservationIdOf = (userId: string, idempotencyKey: string): string => `order:${userId}:${idempotencyKey}`;

/** Starts the order's time limit from now (database clock); resolves with its deadline. */
export async function startReservationClock(tx: Tx, orderId: string, ttlSeconds: number): Promise<Date> {
  const [row] = await tx.$queryRaw<{ reservedUntil: Date }[]>(
    Prisma.sql`UPDATE "orders"."Order" SET "reservedUntil" = ${NOW_UTC} + make_interval(secs => ${ttlSeconds}::double precision)
                WHERE "id" = ${orderId}
            RETURNING "reservedUntil" AT TIME ZONE 'UTC' AS "reservedUntil"`,
  );
  return row.reservedUntil;
}

/**
 * Claims `units` against the buyer's cap on units held by unpaid orders, or refuses with
 * LIMIT_EXCEEDED; an erased buyer is refused (UNAUTHENTICATED). The buyer's transaction-scoped
 * advisory lock (../kit/erased-users.ts) serializes the check of one buyer's concurrent calls
 * (other buyers do not wait) with each other and with the buyer's erasure, and the claim it
 * leaves makes the next check count this call's units before its order exists.
 */
export async function claimUnpaidUnits(
  tx: Tx,
  claim: { userId: string; idempotencyKey: string; units: number },
  maxUnpaidUnits: number,
): Promise<void> {
  const { userId, idempotencyKey, units } = claim;
  await refuseErasedUser(tx, 'orders', userId);
  const [{ held }] = await tx.$queryRaw<{ held: number }[]>(
    Prisma.sql`SELECT (
        COALESCE((SELECT SUM(i."quantity") FROM "orders"."OrderItem" i JOIN "orders"."Order" o ON o."id" = i."orderId"
                   WHERE o."userId" = ${userId} AND o."status" = 'PENDING_PAYMENT' AND o."reservedUntil" > ${NOW_UTC}), 0)
      + COALESCE((SELECT SUM("units") FROM "orders"."PlacementClaim"
                   WHERE "userId" = ${userId} AND "idempotencyKey" <> ${idempotencyKey} AND "expiresAt" > ${NOW_UTC}), 0)
      )::int AS "held"`,
  );
  if (held + units > maxUnpaidUnits) {
    throw appError(
      ErrorCode.LIMIT_EXCEEDED,
      `Unpaid orders may hold at most ${maxUnpaidUnits} units per buyer: ${held} held, ${units} asked. Pay or let unpaid orders expire first.`,
      { field: 'input.items', limit: maxUnpaidUnits, held, requested: units },
    );
  }
  await tx.$executeRaw(
    Prisma.sql`INSERT INTO "orders"."PlacementClaim" ("userId", "idempotencyKey", "units", "expiresAt")
               VALUES (${userId}, ${idempotencyKey}, ${units}, ${NOW_UTC} + make_interval(secs => ${CLAIM_SECONDS}::double precision))
               ON CONFLICT ("userId", "idempotencyKey") DO UPDATE SET "units" = EXCLUDED."units", "expiresAt" = EXCLUDED."expiresAt"`,
  );
}

/** Drops a claim: its order is recorded (it counts instead), or the placement failed. */
export async function dropClaim(tx: Tx, userId: string, idempotencyKey: string): Promise<void> {
  await tx.$executeRaw(
    Prisma.sql`DELETE FROM "orders"."PlacementClaim" WHERE "userId" = ${userId} AND "idempotencyKey" = ${idempotencyKey}`,
  );
}

interface ExpiredRow {
  id: string;
  userId: string;
  idempotencyKey: string;
}

/**
 * Expires up to `limit` unpaid orders whose deadline passed, announcing each (status change and
 * stock release) in this transaction. SKIP LOCKED lets replicas sweep side by side without
 * waiting on each other's rows, and the status condition on the update means an order expires
 * once however many replicas saw it due. Resolves with the ids expired.
 */
export async function expireDueOrders(tx: Tx, emit: Emit, limit: number): Promise<string[]> {
  const rows = await tx.$queryRaw<ExpiredRow[]>(
    Prisma.sql`UPDATE "orders"."Order" AS o SET "status" = 'EXPIRED'
                 FROM (SELECT "id" FROM "orders"."Order"
                        WHERE "status" = 'PENDING_PAYMENT' AND "reservedUntil" <= ${NOW_UTC}
                        ORDER BY "reservedUntil" LIMIT ${limit}
                        FOR UPDATE SKIP LOCKED) AS due
                WHERE o."id" = due."id" AND o."status" = 'PENDING_PAYMENT'
            RETURNING o."id", o."userId", o."idempotencyKey"`,
  );
  const changedAt = new Date().toISOString();
  for (const row of rows) {
    await emit('order.status_changed', { orderId: row.id, userId: row.userId, from: 'PENDING_PAYMENT', to: 'EXPIRED', changedAt });
    await announceRelease(emit, row, 'EXPIRED');
  }
  return rows.map((row) => row.id);
}

/** Claims left by placements that crashed between their check and their order: they count for nothing after expiresAt. */
export async function pruneLapsedClaims(tx: Tx, limit: number): Promise<number> {
  return tx.$executeRaw(
    Prisma.sql`DELETE FROM "orders"."PlacementClaim" WHERE ("userId", "idempotencyKey") IN (
                 SELECT "userId", "idempotencyKey" FROM "orders"."PlacementClaim" WHERE "expiresAt" <= ${NOW_UTC} LIMIT ${limit})`,
  );
}

/** Writes the release of an order's stock to the outbox, in the transaction that ended its hold on it. */
export async function announceRelease(
  emit: Emit,
  order: { id: string; userId: string; idempotencyKey: string },
  reason: 'EXPIRED' | 'REFUNDED',
): Promise<void> {
  await emit('order.reservation_released', {
    orderId: order.id,
    reservationId: reservationIdOf(order.userId, order.idempotencyKey),
    reason,
  });
}

/**
 * Confirms an order on account for its partner: only its own, only while its reservation lasts.
 * Resolves false when nothing moved (the caller reads why).
 */
export async function confirmOnAccount(tx: Tx, emit: Emit, orderId: string, userId: string): Promise<boolean> {
  const moved = await tx.$executeRaw(
    Prisma.sql`UPDATE "orders"."Order" SET "status" = 'CONFIRMED'
                WHERE "id" = ${orderId} AND "userId" = ${userId} AND "status" = 'PENDING_PAYMENT'
                  AND ("reservedUntil" IS NULL OR "reservedUntil" > ${NOW_UTC})`,
  );
  if (moved === 1) {
    await emit('order.status_changed', { orderId, userId, from: 'PENDING_PAYMENT', to: 'CONFIRMED', changedAt: new Date().toISOString() });
  }
  return moved === 1;
}
