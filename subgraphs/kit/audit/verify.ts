/**
 * Walks the audit chain in `seq` order and names the first record that breaks it: one whose hash
 * no longer matches its fields (edited), or whose `seq`/`prevHash` does not follow its
 * predecessor (a record before it deleted or edited). A chain that starts after seq 1 is accepted
 * only where an `audit.pruned` checkpoint names exactly the record before its first one.
 * Deleting the newest records cannot be seen from inside the chain: compare the head printed by
 * `verify` with one kept elsewhere (docs/privacy.md#audit-log).
 */
import type { PrismaClient } from '../../../prisma/database';
import { GENESIS_HASH, prunedDetail, recordHash, type AuditRow } from './chain';

const BATCH = 1000;

export interface ChainReport {
  ok: boolean;
  /** Records checked. */
  checked: number;
  /** The newest record checked. */
  head?: { seq: bigint; hash: string };
  /** The first record that breaks the chain, and how. */
  broken?: { seq: bigint; reason: string };
}

export async function verifyChain(prisma: PrismaClient): Promise<ChainReport> {
  let previous: AuditRow | undefined;
  let checked = 0;
  for (;;) {
    const rows: AuditRow[] = await prisma.auditRecord.findMany({
      where: previous ? { seq: { gt: previous.seq } } : {},
      orderBy: { seq: 'asc' },
      take: BATCH,
    });
    for (const row of rows) {
      const reason = previous ? linkBreak(previous, row) : await startBreak(prisma, row);
      const broken = reason ?? (recordHash(row) !== row.hash ? 'its hash does not match its fields (edited)' : undefined);
      if (broken)
        return {
          ok: false,
          checked,
          head: previous && { seq: previous.seq, hash: previous.hash },
          broken: { seq: row.seq, reason: broken },
        };
      previous = row;
      checked++;
    }
    if (rows.length < BATCH) break;
  }
  return { ok: true, checked, head: previous && { seq: previous.seq, hash: previous.hash } };
}

function linkBreak(previous: AuditRow, row: AuditRow): string | undefined {
  if (row.seq !== previous.seq + 1n) {
    const missing = row.seq - 1n === previous.seq + 1n ? `${previous.seq + 1n}` : `${previous.seq + 1n}–${row.seq - 1n}`;
    return `record(s) ${missing} before it are missing (deleted)`;
  }
  if (row.prevHash !== previous.hash) return `its prevHash does not match the hash of record ${previous.seq} (one of them edited)`;
  return undefined;
}

async function startBreak(prisma: PrismaClient, first: AuditRow): Promise<string | undefined> {
  if (first.seq === 1n) return first.prevHash === GENESIS_HASH ? undefined : 'the first record does not start the chain (prevHash edited)';
  const checkpoint = await prisma.auditRecord.findFirst({
    where: { action: 'audit.pruned', detail: prunedDetail(first.seq - 1n, first.prevHash) },
    select: { seq: true },
  });
  return checkpoint ? undefined : `records before it are missing and no audit.pruned checkpoint names record ${first.seq - 1n} (deleted)`;
}
