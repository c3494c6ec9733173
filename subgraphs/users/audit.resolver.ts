import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { badInput } from '../../platform/errors';
import { requireAdmin } from '../../platform/viewer';
import { listAudit, type AuditRow } from '../kit/audit';
import type { SubgraphContext } from '../kit/context';
import { decodeCursor, pageSize, toConnection } from '../kit/pagination';
import { AuditRecord, AuditRecordConnection } from './audit';

const toRecord = (row: AuditRow): AuditRecord => Object.assign(new AuditRecord(), { ...row, seq: row.seq.toString() });

function beforeSeq(after: string | null): bigint | undefined {
  if (!after) return undefined;
  const [seq] = decodeCursor(after);
  if (typeof seq !== 'string' || !/^\d{1,19}$/.test(seq)) throw badInput('after', 'is not a cursor returned by this API');
  return BigInt(seq);
}

@Resolver()
export class AuditResolver {
  @Query(() => AuditRecordConnection, {
    description: 'The audit log of privileged actions, newest first (admin only); every filter given must match.',
  })
  async auditRecords(
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 1000).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts (older records).' })
    after: string | null,
    @Arg('action', () => String, { nullable: true, description: 'Only this action, e.g. partner.create.' }) action: string | null,
    @Arg('actorId', () => ID, { nullable: true, description: 'Only actions of this user.' }) actorId: string | null,
    @Arg('subjectId', () => ID, { nullable: true, description: 'Only actions on this id.' }) subjectId: string | null,
    @Arg('since', () => Date, { nullable: true, description: 'Only records at or after this time.' }) since: Date | null,
    @Arg('until', () => Date, { nullable: true, description: 'Only records before this time.' }) until: Date | null,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ) {
    requireAdmin(viewer);
    const size = pageSize(first);
    const rows = await listAudit(prisma, { action, actorId, subjectId, since, until }, size + 1, beforeSeq(after));
    return toConnection(rows, size, (row) => [row.seq.toString()], Boolean(after), toRecord);
  }
}
