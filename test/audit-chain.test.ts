/**
 * The audit chain on its own (subgraphs/kit/audit): appends link records, several writers at
 * once keep it linear, an edited or deleted record is named by verifyChain, a pruned prefix is
 * accepted with its checkpoint, and a partner key's use is one record a day. Fixed clocks
 * throughout. Under test/ so CI's integration pass runs it on PostgreSQL too, where the writers
 * are separate connections and only the advisory lock keeps them in line.
 */
import { createTestDatabase, type TestDatabase } from './support/database';
import { openDatabase, type Database, type PrismaClient } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import pg from 'pg';
import { rootLogger } from '../platform/logger';
import { auditAppendFailures } from '../platform/metrics';
import {
  appendAudit,
  AUDIT_LOCK,
  GENESIS_HASH,
  pruneAudit,
  recordAudit,
  recordHash,
  recordKeyUse,
  verifyChain,
  type AuditEntry,
} from '../subgraphs/kit/audit';

const backends: [string, string | undefined][] = [['PGlite', undefined]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', process.env.DATABASE_URL]);

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000);
const entry = (n: number): AuditEntry => ({
  action: 'product.stock.adjust',
  actorId: `admin-${n}`,
  actorRoles: ['admin'],
  subjectId: `product-${n}`,
  detail: 'Mutation.setProductStock',
  origin: 'gateway',
  outcome: 'ok',
});

describe.each(backends)('audit chain on %s', (_name, baseUrl) => {
  let testDb: TestDatabase | undefined;
  let db: Database;
  let prisma: PrismaClient;

  beforeEach(async () => {
    testDb = baseUrl ? await createTestDatabase(baseUrl) : undefined;
    db = await openDatabase({ url: testDb?.url });
    await migrate(db);
    prisma = db.createClient();
  });

  afterEach(async () => {
    await prisma.$disconnect();
    await db.close();
    await testDb?.drop();
  });

  const seqs = async () =>
    (await prisma.auditRecord.findMany({ orderBy: { seq: 'asc' }, select: { seq: true } })).map((row) => Number(row.seq));

  it('links each record to the one before it', async () => {
    const first = await appendAudit(prisma, entry(1), { now: at(0) });
    const second = await appendAudit(prisma, entry(2), { now: at(1) });
    expect(first).toMatchObject({ seq: 1n, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2n, prevHash: first.hash });
    const stored = await prisma.auditRecord.findUniqueOrThrow({ where: { seq: 2n } });
    expect(recordHash(stored)).toBe(stored.hash);
    expect(await verifyChain(prisma)).toEqual({ ok: true, checked: 2, head: { seq: 2n, hash: second.hash } });
  });

  it('keeps the chain linear with several writers appending at once', async () => {
    const writers = [prisma, db.createClient(), db.createClient(), db.createClient()];
    await Promise.all(
      writers.flatMap((writer, w) => Array.from({ length: 10 }, (_, i) => appendAudit(writer, entry(w * 10 + i), { now: at(0) }))),
    );
    await Promise.all(writers.slice(1).map((writer) => writer.$disconnect()));
    expect(await seqs()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(await verifyChain(prisma)).toMatchObject({ ok: true, checked: 40 });
  });

  it('names the first record edited, or the record after one deleted', async () => {
    for (let n = 1; n <= 5; n++) await appendAudit(prisma, entry(n), { now: at(n) });
    await prisma.$executeRaw`UPDATE "audit"."AuditRecord" SET "outcome" = 'denied' WHERE "seq" = 3`;
    expect(await verifyChain(prisma)).toMatchObject({
      ok: false,
      checked: 2,
      broken: { seq: 3n, reason: expect.stringContaining('edited') },
    });
    await prisma.$executeRaw`UPDATE "audit"."AuditRecord" SET "outcome" = 'ok' WHERE "seq" = 3`;
    expect(await verifyChain(prisma)).toMatchObject({ ok: true });

    await prisma.$executeRaw`DELETE FROM "audit"."AuditRecord" WHERE "seq" = 2`;
    expect(await verifyChain(prisma)).toMatchObject({ ok: false, broken: { seq: 3n, reason: expect.stringContaining('missing') } });
  });

  it('refuses a deleted first record that no checkpoint explains', async () => {
    for (let n = 1; n <= 3; n++) await appendAudit(prisma, entry(n), { now: at(n) });
    await prisma.$executeRaw`DELETE FROM "audit"."AuditRecord" WHERE "seq" = 1`;
    expect(await verifyChain(prisma)).toMatchObject({
      ok: false,
      broken: { seq: 2n, reason: expect.stringContaining('no audit.pruned checkpoint') },
    });
  });

  it('prunes the records past retention behind a checkpoint that verify accepts', async () => {
    for (let n = 0; n < 6; n++) await appendAudit(prisma, entry(n), { now: at(n * 100) });
    // At day 600 with 400 days kept: the records of days 0, 100 (seq 1, 2) go.
    expect(await pruneAudit(prisma, 400, at(600))).toBe(2n);
    expect(await seqs()).toEqual([3, 4, 5, 6, 7]);
    const checkpoint = await prisma.auditRecord.findUniqueOrThrow({ where: { seq: 7n } });
    const second = await prisma.auditRecord.findUniqueOrThrow({ where: { seq: 3n } });
    expect(checkpoint).toMatchObject({ action: 'audit.pruned', detail: `2:${second.prevHash}` });
    expect(await verifyChain(prisma)).toMatchObject({ ok: true, checked: 5 });
    // Nothing more to prune: no second checkpoint.
    expect(await pruneAudit(prisma, 400, at(600))).toBeUndefined();

    // Pruning again later works from the new start; a deletion beyond it is still caught.
    expect(await pruneAudit(prisma, 400, at(800))).toBe(4n);
    expect(await verifyChain(prisma)).toMatchObject({ ok: true });
    await prisma.$executeRaw`DELETE FROM "audit"."AuditRecord" WHERE "seq" = 5`;
    expect(await verifyChain(prisma)).toMatchObject({ ok: false, broken: { seq: 6n } });
  });

  it("records a partner key's use once per UTC day", async () => {
    const morning = new Date('2026-03-01T00:00:01.000Z');
    const night = new Date('2026-03-01T23:59:59.000Z');
    const nextDay = new Date('2026-03-02T00:00:00.000Z');
    expect(await recordKeyUse(prisma, 'key-1', 'partner-user', morning)).toBe(true);
    expect(await recordKeyUse(prisma, 'key-1', 'partner-user', night)).toBe(false);
    expect(await recordKeyUse(prisma, 'key-2', 'partner-user', night)).toBe(true);
    expect(await recordKeyUse(prisma, 'key-1', 'partner-user', nextDay)).toBe(true);
    const used = await prisma.auditRecord.findMany({ where: { action: 'partner.key.used' }, orderBy: { seq: 'asc' } });
    expect(used.map((row) => [row.subjectId, row.at.toISOString().slice(0, 10), row.actorId, row.origin])).toEqual([
      ['key-1', '2026-03-01', 'partner-user', 'partner-api'],
      ['key-2', '2026-03-01', 'partner-user', 'partner-api'],
      ['key-1', '2026-03-02', 'partner-user', 'partner-api'],
    ]);
    expect(await verifyChain(prisma)).toMatchObject({ ok: true, checked: 3 });
  });

  // PGlite is one session: another holder of the lock cannot exist there.
  if (baseUrl)
    it('gives up within its bounds when the chain stays locked, and counts the failure', async () => {
      const holder = new pg.Client({ connectionString: testDb!.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_LOCK]);
        const failures = async () => (await auditAppendFailures.get()).values.find((v) => v.labels.action === 'partner.create')?.value ?? 0;
        const before = await failures();
        const started = Date.now();
        await recordAudit(prisma, rootLogger.child({}, { level: 'silent' }), { ...entry(1), action: 'partner.create' });
        expect(Date.now() - started).toBeLessThan(7_000);
        expect(await failures()).toBe(before + 1);
        await holder.query('ROLLBACK');
      } finally {
        await holder.end();
      }
      expect(await prisma.auditRecord.count()).toBe(0);
    });
});
