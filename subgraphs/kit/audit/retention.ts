/**
 * Retention: records older than the configured period are deleted as a prefix of the chain (the
 * oldest first, never a record from the middle), and an `audit.pruned` checkpoint naming the last
 * deleted record's seq and hash is appended in the same transaction, so `verify` accepts the new
 * start and still refuses a deletion nobody explained. Each users replica runs a sweeper; the
 * chain's lock makes their rounds take turns, and a round with nothing to prune writes nothing.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { AuditConfig } from '../../../platform/config';
import type { Logger } from '../../../platform/logger';
import { auditRecords } from '../../../platform/metrics';
import { Sleeper } from '../sleeper';
import { appendInTransaction, lockChain } from './append';
import { prunedDetail } from './chain';
import { utcDay } from './key-use';

const DAY_MS = 86_400_000;

/** Prunes records older than `retentionDays` before `now`; resolves with the last pruned seq, if any. */
export async function pruneAudit(prisma: PrismaClient, retentionDays: number, now = new Date()): Promise<bigint | undefined> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  const pruned = await prisma.$transaction(
    async (tx) => {
      await lockChain(tx);
      const last = await tx.auditRecord.findFirst({
        where: { at: { lt: cutoff } },
        orderBy: { seq: 'desc' },
        select: { seq: true, hash: true },
      });
      if (!last) return undefined;
      await appendInTransaction(
        tx,
        { action: 'audit.pruned', detail: prunedDetail(last.seq, last.hash), origin: 'platform', outcome: 'ok' },
        { now },
      );
      await tx.auditRecord.deleteMany({ where: { seq: { lte: last.seq } } });
      await tx.auditKeyUse.deleteMany({ where: { day: { lt: utcDay(cutoff) } } });
      return last.seq;
    },
    { maxWait: 2_000, timeout: 30_000 },
  );
  if (pruned !== undefined) auditRecords.inc({ action: 'audit.pruned', outcome: 'ok' });
  return pruned;
}

export interface AuditSweeper {
  close(): Promise<void>;
}

export function startAuditSweeper(options: { prisma: PrismaClient; config: AuditConfig; log: Logger }): AuditSweeper {
  const { prisma, config, log } = options;
  const sleeper = new Sleeper();
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      try {
        const pruned = await pruneAudit(prisma, config.retentionDays);
        if (pruned !== undefined) log.info({ throughSeq: pruned.toString() }, 'audit records past retention pruned');
        // The chain has no secret key: a head written where the database's writers cannot reach
        // (shipped logs) is what shows a rewritten or truncated chain later.
        const head = await prisma.auditRecord.findFirst({ orderBy: { seq: 'desc' }, select: { seq: true, hash: true } });
        if (head) log.info({ auditHead: { seq: head.seq.toString(), hash: head.hash } }, 'audit chain head');
      } catch (error) {
        log.warn({ err: error }, 'audit retention sweep failed; retrying next round');
      }
      if (!closed) await sleeper.sleep(config.sweepIntervalMs);
    }
  })();
  return {
    async close() {
      closed = true;
      sleeper.stop();
      await loop;
    },
  };
}
