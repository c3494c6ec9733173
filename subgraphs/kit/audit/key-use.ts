/**
 * Partner-key use, one record per key per UTC day: the first use of a day claims (keyId, day) in
 * a small table and appends `partner.key.used` in the same transaction; every later use that day
 * finds the claim and writes nothing. The gateway checks a key with the users service once per
 * key-cache period (PARTNER_KEY_CACHE_TTL_MS), so a key in use is seen every day it is used.
 */
import type { PrismaClient } from '../../../prisma/database';
import { auditRecords } from '../../../platform/metrics';
import { appendInTransaction } from './append';

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** Records `keyId`'s use by the partner's service account `actorId`, if it is the day's first; true when it was. */
export async function recordKeyUse(prisma: PrismaClient, keyId: string, actorId: string, now = new Date()): Promise<boolean> {
  const appended = await prisma.$transaction(
    async (tx) => {
      const claimed =
        await tx.$executeRaw`INSERT INTO "audit"."AuditKeyUse" ("keyId", "day") VALUES (${keyId}, ${utcDay(now)}) ON CONFLICT DO NOTHING`;
      if (claimed === 0) return false;
      await appendInTransaction(
        tx,
        { action: 'partner.key.used', actorId, actorRoles: ['partner'], subjectId: keyId, origin: 'partner-api', outcome: 'ok' },
        { now },
      );
      return true;
    },
    { maxWait: 2_000, timeout: 5_000 },
  );
  if (appended) auditRecords.inc({ action: 'partner.key.used', outcome: 'ok' });
  return appended;
}
