/** Reading the audit log, newest first, by action, actor, subject and time (the admin query and `npm run audit -- list`). */
import type { PrismaClient } from '../../../prisma/database';
import type { Prisma } from '../../../prisma/generated/client';
import type { AuditRow } from './chain';

export interface AuditFilter {
  action?: string | null;
  actorId?: string | null;
  subjectId?: string | null;
  /** Records at or after this time. */
  since?: Date | null;
  /** Records before this time. */
  until?: Date | null;
}

/** Up to `take` records matching `filter` with `seq` below `before` (keyset paging), newest first. */
export async function listAudit(prisma: PrismaClient, filter: AuditFilter, take: number, before?: bigint): Promise<AuditRow[]> {
  const where: Prisma.AuditRecordWhereInput = {
    ...(filter.action && { action: filter.action }),
    ...(filter.actorId && { actorId: filter.actorId }),
    ...(filter.subjectId && { subjectId: filter.subjectId }),
    ...((filter.since || filter.until) && {
      at: { ...(filter.since && { gte: filter.since }), ...(filter.until && { lt: filter.until }) },
    }),
    ...(before !== undefined && { seq: { lt: before } }),
  };
  return prisma.auditRecord.findMany({ where, orderBy: { seq: 'desc' }, take });
}
