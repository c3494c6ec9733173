/**
 * Webhook endpoints, deliveries and dead letters (schema "users"). The statements that several
 * replicas race on (enqueue, claim, record an outcome, dead-letter, replay) are single SQL
 * statements, so each is atomic without a transaction; the rest is plain Prisma.
 */
import crypto from 'node:crypto';
import type { PrismaClient } from '../../../prisma/database';
import type { WebhookDelivery as WebhookDeliveryRow } from '../../../prisma/generated/client';
import { newSigningSecret } from './signing';

const DELIVERY = '"users"."WebhookDelivery"';
const DEAD = '"users"."WebhookDeadLetter"';
const WEBHOOK = '"users"."PartnerWebhook"';

/** Milliseconds as a Postgres interval, computed in SQL so every comparison uses the database's clock. */
const interval = (param: string) => `make_interval(secs => ${param}::double precision / 1000)`;

export const findPartner = (prisma: PrismaClient, partnerId: string) => prisma.partner.findUnique({ where: { id: partnerId } });

/** Sets the partner's URL and a new signing secret (registering again rotates the secret). */
export function saveWebhook(prisma: PrismaClient, partnerId: string, url: string) {
  const secret = newSigningSecret();
  return prisma.partnerWebhook.upsert({
    where: { partnerId },
    create: { partnerId, url, secret },
    update: { url, secret, updatedAt: new Date() },
  });
}

export const findWebhookOfPartner = (prisma: PrismaClient, partnerId: string) =>
  prisma.partnerWebhook.findUnique({ where: { partnerId }, select: { id: true, url: true, createdAt: true, updatedAt: true } });

/**
 * Queues `event` for the webhook of the partner acting as `userId`, if it has one. At most one
 * delivery per endpoint and event, dead letters included: a redelivered event adds nothing.
 * Resolves with the number of deliveries queued (0 or 1).
 */
export function enqueueDelivery(
  prisma: PrismaClient,
  userId: string,
  event: { id: string; type: string; body: string; traceparent?: string },
): Promise<number> {
  return prisma.$executeRawUnsafe(
    `INSERT INTO ${DELIVERY} ("id", "webhookId", "eventId", "eventType", "body", "traceparent")
     SELECT $1, w."id", $2, $3, $4, $6
       FROM ${WEBHOOK} w JOIN "users"."Partner" p ON p."id" = w."partnerId"
      WHERE p."userId" = $5
        AND NOT EXISTS (SELECT 1 FROM ${DEAD} d WHERE d."webhookId" = w."id" AND d."eventId" = $2)
     ON CONFLICT ("webhookId", "eventId") DO NOTHING`,
    crypto.randomUUID(),
    event.id,
    event.type,
    event.body,
    userId,
    event.traceparent ?? null,
  );
}

export interface ClaimedDelivery {
  id: string;
  /** The endpoint: deliveries of one endpoint share a lane in the worker. */
  webhookId: string;
  eventId: string;
  eventType: string;
  body: string;
  /** The trace context of the work that caused the event, if traced. */
  traceparent: string | null;
  /** This attempt's number; outcomes are recorded only while it is still the row's. */
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Takes up to `limit` due deliveries, skipping rows another replica holds, and leases them for
 * `leaseMs`: a worker that dies mid-POST leaves them to be claimed again after the lease. At most
 * `perEndpoint` of one endpoint are taken, and none of the endpoints in `busyWebhookIds` (those
 * this worker is still sending to), so one slow endpoint cannot fill a claim.
 */
export function claimDue(
  prisma: PrismaClient,
  limit: number,
  leaseMs: number,
  perEndpoint = limit,
  busyWebhookIds: string[] = [],
): Promise<ClaimedDelivery[]> {
  return prisma.$queryRawUnsafe<ClaimedDelivery[]>(
    `UPDATE ${DELIVERY} AS d
        SET "nextAttemptAt" = CURRENT_TIMESTAMP + ${interval('$2')},
            "attempts" = d."attempts" + 1,
            "firstAttemptAt" = COALESCE(d."firstAttemptAt", CURRENT_TIMESTAMP)
       FROM (SELECT "id" FROM ${DELIVERY}
              WHERE "deliveredAt" IS NULL AND "nextAttemptAt" <= CURRENT_TIMESTAMP
                AND "id" IN (SELECT "id" FROM (SELECT "id", row_number() OVER (PARTITION BY "webhookId" ORDER BY "nextAttemptAt", "id") AS "rank"
                                                 FROM ${DELIVERY}
                                                WHERE "deliveredAt" IS NULL AND "nextAttemptAt" <= CURRENT_TIMESTAMP
                                                  AND NOT ("webhookId" = ANY($4::text[]))) AS ranked
                              WHERE "rank" <= $3)
              ORDER BY "nextAttemptAt" LIMIT $1
              FOR UPDATE SKIP LOCKED) AS due,
            ${WEBHOOK} AS w
      WHERE d."id" = due."id" AND w."id" = d."webhookId"
  RETURNING d."id", d."webhookId", d."eventId", d."eventType", d."body", d."traceparent", d."attempts", w."url", w."secret"`,
    limit,
    leaseMs,
    perEndpoint,
    busyWebhookIds,
  );
}

export async function markDelivered(prisma: PrismaClient, delivery: ClaimedDelivery, status: number): Promise<void> {
  await prisma.$executeRawUnsafe(
    `UPDATE ${DELIVERY} SET "deliveredAt" = CURRENT_TIMESTAMP, "lastStatus" = $3, "lastError" = NULL
      WHERE "id" = $1 AND "attempts" = $2 AND "deliveredAt" IS NULL`,
    delivery.id,
    delivery.attempts,
    status,
  );
}

/**
 * Records a failed attempt: the delivery waits `delayMs` for its next one, or, when that would
 * fall after `windowMs` from its first attempt, moves to the dead letters (one statement: a
 * delivery is in exactly one of the two tables). Resolves with what happened.
 */
export async function markFailed(
  prisma: PrismaClient,
  delivery: ClaimedDelivery,
  failure: { status: number | null; error: string },
  delayMs: number,
  windowMs: number,
): Promise<'retrying' | 'dead' | 'stale'> {
  const error = failure.error.slice(0, 500);
  const dead = await prisma.$executeRawUnsafe(
    `WITH dead AS (
       DELETE FROM ${DELIVERY}
        WHERE "id" = $1 AND "attempts" = $2 AND "deliveredAt" IS NULL
          AND CURRENT_TIMESTAMP + ${interval('$3')} > "firstAttemptAt" + ${interval('$4')}
       RETURNING *)
     INSERT INTO ${DEAD} ("id", "webhookId", "eventId", "eventType", "body", "attempts", "firstAttemptAt", "lastStatus", "lastError", "createdAt")
     SELECT "id", "webhookId", "eventId", "eventType", "body", "attempts", "firstAttemptAt", $5, $6, "createdAt" FROM dead`,
    delivery.id,
    delivery.attempts,
    delayMs,
    windowMs,
    failure.status,
    error,
  );
  if (dead > 0) return 'dead';
  const retrying = await prisma.$executeRawUnsafe(
    `UPDATE ${DELIVERY} SET "nextAttemptAt" = CURRENT_TIMESTAMP + ${interval('$3')}, "lastStatus" = $4, "lastError" = $5
      WHERE "id" = $1 AND "attempts" = $2 AND "deliveredAt" IS NULL`,
    delivery.id,
    delivery.attempts,
    delayMs,
    failure.status,
    error,
  );
  return retrying > 0 ? 'retrying' : 'stale';
}

/** Gives a delivery back at once, uncounted (the worker stopped before it knew the outcome). */
export async function release(prisma: PrismaClient, delivery: ClaimedDelivery, reason: string): Promise<void> {
  await prisma.$executeRawUnsafe(
    `UPDATE ${DELIVERY} SET "nextAttemptAt" = CURRENT_TIMESTAMP, "attempts" = "attempts" - 1, "lastError" = $3
      WHERE "id" = $1 AND "attempts" = $2 AND "deliveredAt" IS NULL`,
    delivery.id,
    delivery.attempts,
    reason,
  );
}

export const recentDeliveries = (prisma: PrismaClient, webhookId: string, take: number) =>
  prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take });

export const deadLetters = (prisma: PrismaClient, webhookId: string, take: number) =>
  prisma.webhookDeadLetter.findMany({ where: { webhookId }, orderBy: [{ deadAt: 'desc' }, { id: 'desc' }], take });

/**
 * Sends a delivery again with a fresh retry window: a dead letter moves back to the deliveries
 * (one statement), a waiting, failing or delivered one becomes due now. Resolves with the
 * delivery row as the replay wrote it (read back later, a worker may already have claimed it),
 * or null when no delivery has that id.
 */
export async function replayDelivery(prisma: PrismaClient, id: string): Promise<WebhookDeliveryRow | null> {
  const [revived] = await prisma.$queryRawUnsafe<WebhookDeliveryRow[]>(
    `WITH revived AS (DELETE FROM ${DEAD} WHERE "id" = $1 RETURNING *)
     INSERT INTO ${DELIVERY} ("id", "webhookId", "eventId", "eventType", "body", "attempts", "lastStatus", "lastError", "createdAt")
     SELECT "id", "webhookId", "eventId", "eventType", "body", 0, "lastStatus", "lastError", "createdAt" FROM revived
     RETURNING *`,
    id,
  );
  if (revived) return revived;
  const [due] = await prisma.$queryRawUnsafe<WebhookDeliveryRow[]>(
    `UPDATE ${DELIVERY} SET "deliveredAt" = NULL, "firstAttemptAt" = NULL, "nextAttemptAt" = CURRENT_TIMESTAMP WHERE "id" = $1 RETURNING *`,
    id,
  );
  return due ?? null;
}

/** The most dead letters one reading counts: past it the count only says "at least this many". */
export const DEAD_LETTER_COUNT_CAP = 100_000;

/** Dead letters held (not replayed), counted up to DEAD_LETTER_COUNT_CAP. */
export async function countDeadLetters(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<{ held: number }[]>(
    `SELECT count(*)::int AS "held" FROM (SELECT 1 FROM ${DEAD} LIMIT $1) AS held`,
    DEAD_LETTER_COUNT_CAP,
  );
  return Number(row?.held ?? 0);
}

/**
 * Deletes deliveries delivered longer than `retentionMs` ago (the outbox keeps its sent events as
 * long, so an event redelivered after that is as new to it). Dead letters stay until replayed.
 */
export function pruneDelivered(prisma: PrismaClient, retentionMs: number): Promise<number> {
  return prisma.$executeRawUnsafe(
    `DELETE FROM ${DELIVERY} WHERE "deliveredAt" IS NOT NULL AND "deliveredAt" < CURRENT_TIMESTAMP - ${interval('$1')}`,
    retentionMs,
  );
}
