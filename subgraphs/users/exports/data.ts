/**
 * Data exports (schema "users"). The statements replicas race on (claim a round, record a part,
 * finish a round, download, expire) are single SQL statements guarded by the round's number
 * (`attempts`) where a lease is involved, so each is atomic without a transaction. Every time is
 * the caller's clock (`now`), never the database's, so tests move time instead of waiting.
 */
import { Prisma, type DataExport as DataExportRow } from '../../../prisma/generated/client';
import type { PrismaClient } from '../../../prisma/database';
import type { ExportPartName } from '../../../platform/privacy-export';

export type { DataExportRow };

const TABLE = '"users"."DataExport"';

/** Times travel as UTC ISO text cast to timestamp, the way Prisma stores DateTime (UTC, without zone), whatever the process's zone. */
const iso = (date: Date) => date.toISOString();

/** Statuses in which an export still stands for the user's request: asking again returns it. */
const LIVE = ['PENDING', 'RUNNING', 'READY'] as const;

/**
 * The export of this subject that this requester already has in progress or ready to download (not
 * expired), or a new one. Per requester, because only the requester may download it: an admin's
 * request must not be answered with the customer's own export, which the admin could not take.
 * A transaction-scoped advisory lock per subject serializes concurrent requests, so two clicks make one export.
 */
export async function requestExport(
  prisma: PrismaClient,
  subjectId: string,
  requestedBy: string,
  now: Date,
): Promise<{ row: DataExportRow; created: boolean }> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw(Prisma.sql`SELECT 1 AS "locked" FROM pg_advisory_xact_lock(hashtext('users.data-export'), hashtext(${subjectId}))`);
    const existing = await tx.dataExport.findFirst({
      where: {
        subjectId,
        requestedBy,
        status: { in: [...LIVE] },
        OR: [{ expiresAt: null }, { expiresAt: { gt: now } }],
      },
      orderBy: { requestedAt: 'desc' },
    });
    if (existing) return { row: existing, created: false };
    const row = await tx.dataExport.create({ data: { subjectId, requestedBy, requestedAt: now, nextAttemptAt: now } });
    return { row, created: true };
  });
}

/** The export as clients see it: a READY one past its expiry reads as EXPIRED even before the sweep. */
export async function findExport(prisma: PrismaClient, id: string, now: Date): Promise<DataExportRow | null> {
  const row = await prisma.dataExport.findUnique({ where: { id } });
  if (row?.status === 'READY' && row.expiresAt && row.expiresAt <= now) return { ...row, status: 'EXPIRED', archive: null };
  return row;
}

/**
 * Hands the archive out once: in one statement the READY, unexpired export becomes DOWNLOADED and
 * its archive is deleted, and the archive as it was comes back. Concurrent downloads wait on the
 * row lock and then find it no longer READY: exactly one gets the archive. Null when none is due.
 */
export async function takeArchive(prisma: PrismaClient, id: string, now: Date): Promise<{ row: DataExportRow; archive: string } | null> {
  const [taken] = await prisma.$queryRawUnsafe<{ id: string; archive: string }[]>(
    `WITH due AS (SELECT "id", "archive" FROM ${TABLE} WHERE "id" = $1 AND "status" = 'READY' AND "expiresAt" > $2::timestamp FOR UPDATE)
     UPDATE ${TABLE} AS e SET "status" = 'DOWNLOADED', "archive" = NULL, "downloadedAt" = $2::timestamp
       FROM due WHERE e."id" = due."id"
     RETURNING e."id", due."archive"`,
    id,
    iso(now),
  );
  if (!taken) return null;
  const row = await prisma.dataExport.findUniqueOrThrow({ where: { id } });
  return { row, archive: taken.archive };
}

/** Deletes the archives of READY exports past their expiry; resolves with how many expired. */
export function expireDue(prisma: PrismaClient, now: Date): Promise<number> {
  return prisma.$executeRawUnsafe(
    `UPDATE ${TABLE} SET "status" = 'EXPIRED', "archive" = NULL WHERE "status" = 'READY' AND "expiresAt" <= $1::timestamp`,
    iso(now),
  );
}

export interface ClaimedExport {
  id: string;
  subjectId: string;
  /** This round's number: what it records counts only while it is still the row's. */
  attempts: number;
  partsDone: ExportPartName[];
  /** When the export was requested (epoch milliseconds): the retry window counts from it. */
  requestedAtMs: number;
}

/**
 * Takes up to `limit` exports due for a round (new, or waiting for a retry), skipping rows another
 * replica holds, and leases them for `leaseMs`: a worker that dies mid-round leaves them to be
 * claimed again after the lease, and the parts it had recorded stay recorded.
 */
export function claimDue(prisma: PrismaClient, limit: number, leaseMs: number, now: Date): Promise<ClaimedExport[]> {
  return prisma.$queryRawUnsafe<ClaimedExport[]>(
    `UPDATE ${TABLE} AS e
        SET "status" = 'RUNNING', "attempts" = e."attempts" + 1, "nextAttemptAt" = $2::timestamp
       FROM (SELECT "id" FROM ${TABLE}
              WHERE "status" IN ('PENDING', 'RUNNING') AND "nextAttemptAt" <= $3::timestamp
              ORDER BY "nextAttemptAt", "id" LIMIT $1
              FOR UPDATE SKIP LOCKED) AS due
      WHERE e."id" = due."id"
  RETURNING e."id", e."subjectId", e."attempts", e."partsDone", (extract(epoch FROM e."requestedAt") * 1000)::float8 AS "requestedAtMs"`,
    limit,
    iso(new Date(now.getTime() + leaseMs)),
    iso(now),
  );
}

/** Keeps one collected part (JSON text); false when the round lost its lease (another worker has the export now). */
export async function recordPart(prisma: PrismaClient, claim: ClaimedExport, part: ExportPartName, json: string): Promise<boolean> {
  const updated = await prisma.$executeRawUnsafe(
    `UPDATE ${TABLE}
        SET "parts" = "parts" || jsonb_build_object($3::text, $4::jsonb),
            "partsDone" = CASE WHEN $3 = ANY("partsDone") THEN "partsDone" ELSE array_append("partsDone", $3::text) END
      WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'RUNNING'`,
    claim.id,
    claim.attempts,
    part,
    json,
  );
  return updated > 0;
}

/** The collected parts by subgraph name, for assembling the archive. */
export async function collectedParts(prisma: PrismaClient, id: string): Promise<Record<string, unknown>> {
  const row = await prisma.dataExport.findUniqueOrThrow({ where: { id }, select: { parts: true } });
  return row.parts as Record<string, unknown>;
}

/** The round assembled the archive: READY until `expiresAt`; the parts are dropped (the archive holds them). */
export async function markReady(prisma: PrismaClient, claim: ClaimedExport, archive: string, now: Date, expiresAt: Date): Promise<boolean> {
  const updated = await prisma.$executeRawUnsafe(
    `UPDATE ${TABLE}
        SET "status" = 'READY', "archive" = $3, "parts" = '{}'::jsonb, "readyAt" = $4::timestamp, "expiresAt" = $5::timestamp, "lastError" = NULL
      WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'RUNNING'`,
    claim.id,
    claim.attempts,
    archive,
    iso(now),
    iso(expiresAt),
  );
  return updated > 0;
}

/** Parts are missing: the next round waits until `retryAt` (the export stays RUNNING, its progress visible). */
export async function scheduleRetry(prisma: PrismaClient, claim: ClaimedExport, error: string, retryAt: Date): Promise<void> {
  await prisma.$executeRawUnsafe(
    `UPDATE ${TABLE} SET "nextAttemptAt" = $3::timestamp, "lastError" = $4 WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'RUNNING'`,
    claim.id,
    claim.attempts,
    iso(retryAt),
    error.slice(0, 1000),
  );
}

/** The retry window is over with parts still missing: FAILED, and what was collected is deleted. */
export async function markFailed(prisma: PrismaClient, claim: ClaimedExport, error: string, now: Date): Promise<boolean> {
  const updated = await prisma.$executeRawUnsafe(
    `UPDATE ${TABLE} SET "status" = 'FAILED', "parts" = '{}'::jsonb, "failedAt" = $3::timestamp, "lastError" = $4
      WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'RUNNING'`,
    claim.id,
    claim.attempts,
    iso(now),
    error.slice(0, 1000),
  );
  return updated > 0;
}

/** Gives a claimed export back at once, its round uncounted (the worker stopped mid-round). */
export async function release(prisma: PrismaClient, claim: ClaimedExport, now: Date): Promise<void> {
  await prisma.$executeRawUnsafe(
    `UPDATE ${TABLE} SET "nextAttemptAt" = $3::timestamp, "attempts" = "attempts" - 1 WHERE "id" = $1 AND "attempts" = $2 AND "status" = 'RUNNING'`,
    claim.id,
    claim.attempts,
    iso(now),
  );
}
