/**
 * Appending to the audit log. Every writer, in every process and replica, takes one transaction-
 * scoped advisory lock, so reading the last record and inserting its successor is one step: the
 * chain stays linear and `seq` has no gaps (a sequence would leave gaps on rollback, which
 * `verify` could not tell from a deletion). The lock is the only serialisation point; appends are
 * a few per admin action, so it is never hot.
 *
 * Bounded: waiting for the lock gives up after LOCK_WAIT_MS (lock_timeout) and the whole
 * transaction after TRANSACTION_MS, so an audit write can delay the action it records by at most that.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { Prisma } from '../../../prisma/generated/client';
import type { Logger } from '../../../platform/logger';
import { auditAppendFailures, auditRecords } from '../../../platform/metrics';
import { GENESIS_HASH, recordHash, type AuditEntry, type AuditRow } from './chain';

/** The advisory lock of the audit chain (ASCII "audit" as a number; Prisma Migrate's is 72707369). */
export const AUDIT_LOCK = 0x6175646974;
const LOCK_WAIT_MS = 2_000;
const TRANSACTION_MS = 5_000;

export type AuditClient = Prisma.TransactionClient;

export interface AppendOptions {
  /** The record's time; tests fix it. */
  now?: Date;
}

/** Takes the chain's lock until the transaction ends (taking it again in the same transaction is free). */
export async function lockChain(tx: AuditClient): Promise<void> {
  await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${LOCK_WAIT_MS}ms'`);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_LOCK}::bigint)`;
}

/**
 * Appends `entry` inside a transaction the caller already holds, so that an action writing to the
 * same database commits with its record or not at all. The lock is held until that transaction ends.
 */
export async function appendInTransaction(tx: AuditClient, entry: AuditEntry, options: AppendOptions = {}): Promise<AuditRow> {
  await lockChain(tx);
  const last = await tx.auditRecord.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
  const fields: Omit<AuditRow, 'hash'> = {
    seq: (last?.seq ?? 0n) + 1n,
    at: options.now ?? new Date(),
    actorId: entry.actorId ?? null,
    actorRoles: [...(entry.actorRoles ?? [])].sort(),
    action: entry.action,
    detail: entry.detail ?? null,
    subjectId: entry.subjectId ?? null,
    origin: entry.origin,
    outcome: entry.outcome,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const row = { ...fields, hash: recordHash(fields) };
  await tx.auditRecord.create({ data: row });
  return row;
}

/** Appends `entry` in a transaction of its own; rejects when it cannot within the bounds above. */
export async function appendAudit(prisma: PrismaClient, entry: AuditEntry, options: AppendOptions = {}): Promise<AuditRow> {
  const row = await prisma.$transaction((tx) => appendInTransaction(tx, entry, options), {
    maxWait: LOCK_WAIT_MS,
    timeout: TRANSACTION_MS,
  });
  auditRecords.inc({ action: row.action, outcome: row.outcome });
  return row;
}

/**
 * Appends after the action, for actions already done: a failure is logged and counted
 * (`audit_append_failures_total`), never thrown, since the action it records has happened and
 * its caller must hear how that went, not how the audit write went.
 */
export async function recordAudit(prisma: PrismaClient, log: Logger, entry: AuditEntry, options: AppendOptions = {}): Promise<void> {
  try {
    await appendAudit(prisma, entry, options);
  } catch (error) {
    auditAppendFailures.inc({ action: entry.action });
    log.error({ err: error, action: entry.action, outcome: entry.outcome, subjectId: entry.subjectId }, 'audit record not written');
  }
}
