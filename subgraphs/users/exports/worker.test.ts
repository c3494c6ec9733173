/**
 * The export worker against a real database (PGlite by default, a database of its own on
 * PostgreSQL when DATABASE_URL is set), with parts from stand-in collectors and a fixed clock that
 * the tests move: an export becomes READY and expires exactly at its time; a missing part is
 * retried on the backoff schedule and the export FAILS when the window is over; two replicas never
 * collect one part twice; an archive is handed out once.
 */
import crypto from 'node:crypto';
import { DATA_EXPORT_DEFAULTS, type DataExportConfig } from '../../../platform/config';
import { rootLogger } from '../../../platform/logger';
import { PRODUCTS_NOTICE, CARD_DATA_NOTICE, exportArchiveSchema, type ExportPartName } from '../../../platform/privacy-export';
import { openDatabase, type Database, type PrismaClient } from '../../../prisma/database';
import { migrate } from '../../../prisma/migrate';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { SubjectGone, usersPartOf, type PartCollector } from './collect';
import { findExport, requestExport, takeArchive } from './data';
import { DataExportWorker } from './worker';

const CONFIG: DataExportConfig = {
  ...DATA_EXPORT_DEFAULTS,
  ttlMs: 24 * 3600_000,
  initialDelayMs: 1_000,
  maxDelayMs: 4_000,
  retryWindowMs: 10_000,
  leaseMs: 60_000,
};
const log = rootLogger.child({ test: 'data-export-worker' });

let testDb: TestDatabase;
let db: Database;
let prisma: PrismaClient;
/** The clock every worker and statement here reads; tests move it. */
let now: Date;
const clock = () => now;
/** Parts that fail (their subgraph "down"), and how often each part was asked for. */
let down: Set<ExportPartName>;
let calls: Record<string, number>;

const parts: Record<Exclude<ExportPartName, 'users'>, (userId: string) => unknown> = {
  orders: () => ({ subgraph: 'orders', orders: [] }),
  payments: () => ({ subgraph: 'payments', cardDataStored: false, notice: CARD_DATA_NOTICE, payments: [] }),
  recommendations: () => ({
    subgraph: 'recommendations',
    interactions: [],
    hiddenProducts: [],
    purchases: [],
    impressions: [],
    modelVersions: [],
  }),
  products: () => ({ subgraph: 'products', holdsPersonalData: false, notice: PRODUCTS_NOTICE }),
};

function collectors(): Record<ExportPartName, PartCollector> {
  const wrap =
    (name: ExportPartName, give: (userId: string) => unknown): PartCollector =>
    async (userId) => {
      calls[name] = (calls[name] ?? 0) + 1;
      if (down.has(name)) throw new Error(`The ${name} service is unavailable`);
      return give(userId);
    };
  return {
    users: wrap('users', (userId) => usersPartOf(prisma, userId)),
    orders: wrap('orders', parts.orders),
    payments: wrap('payments', parts.payments),
    recommendations: wrap('recommendations', parts.recommendations),
    products: wrap('products', parts.products),
  };
}

const worker = () => new DataExportWorker(prisma, collectors(), log, CONFIG, clock, () => 0.5);
const later = (ms: number) => (now = new Date(now.getTime() + ms));

async function newUser(): Promise<string> {
  const id = `export-worker-${crypto.randomUUID()}`;
  await prisma.user.create({ data: { id, name: 'Worker test', email: `${id}@example.test` } });
  return id;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url });
  await migrate(db);
  prisma = db.createClient();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.close();
  await testDb?.drop();
});

beforeEach(() => {
  // Whole milliseconds: the database keeps timestamp(3).
  now = new Date('2026-12-08T10:00:00.000Z');
  down = new Set();
  calls = {};
});

describe('the data export worker', () => {
  it('makes an export READY with every part, and expires it exactly at its time', async () => {
    const userId = await newUser();
    const { row } = await requestExport(prisma, userId, userId, now);
    // Requested again while it stands: the same export.
    expect((await requestExport(prisma, userId, userId, now)).row.id).toBe(row.id);
    await worker().round();

    const ready = (await findExport(prisma, row.id, now))!;
    expect(ready.status).toBe('READY');
    expect(ready.expiresAt).toEqual(new Date(now.getTime() + CONFIG.ttlMs));
    const archive = exportArchiveSchema.parse(JSON.parse(ready.archive!));
    expect(archive).toMatchObject({ exportId: row.id, subjectId: userId, generatedAt: now.toISOString() });
    expect(archive.parts.users.profile.id).toBe(userId);

    later(CONFIG.ttlMs - 1);
    expect((await findExport(prisma, row.id, now))!.status).toBe('READY');
    later(1);
    expect((await findExport(prisma, row.id, now))!.status).toBe('EXPIRED');
    expect(await takeArchive(prisma, row.id, now)).toBeNull();
    // The next round deletes the archive for good.
    await worker().round();
    const stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: 'EXPIRED', archive: null });
    // Expired, it no longer stands for the request.
    expect((await requestExport(prisma, userId, userId, now)).row.id).not.toBe(row.id);
  });

  it('keeps the parts it got, retries a missing one on the backoff schedule, and completes when it answers', async () => {
    const userId = await newUser();
    const { row } = await requestExport(prisma, userId, userId, now);
    down.add('payments');
    const w = worker();
    await w.round();
    let stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: 'RUNNING', attempts: 1, nextAttemptAt: new Date(now.getTime() + 1_000) });
    expect([...stored.partsDone].sort()).toEqual(['orders', 'products', 'recommendations', 'users']);
    expect(stored.lastError).toContain('payments');

    // Not due yet: nothing is asked.
    await w.round();
    expect(calls.payments).toBe(1);
    later(1_000);
    await w.round();
    stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: 'RUNNING', attempts: 2, nextAttemptAt: new Date(now.getTime() + 2_000) });

    down.clear();
    later(2_000);
    await w.round();
    stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored.status).toBe('READY');
    // Parts collected in an earlier round were not asked for again.
    expect(calls).toEqual({ users: 1, orders: 1, recommendations: 1, products: 1, payments: 3 });
    expect(stored.parts).toEqual({});
  });

  it('fails the export when the retry window is over, keeping nothing', async () => {
    const userId = await newUser();
    const { row } = await requestExport(prisma, userId, userId, now);
    down.add('recommendations');
    const w = worker();
    let rounds = 0;
    for (; rounds < 20; rounds++) {
      await w.round();
      const stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
      if (stored.status === 'FAILED') break;
      now = stored.nextAttemptAt;
    }
    const failed = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(failed).toMatchObject({ status: 'FAILED', parts: {}, archive: null });
    expect(failed.lastError).toContain('retry window over');
    // 1 s, 2 s, 4 s, then 4 s would pass the 10 s window: four rounds.
    expect(rounds + 1).toBe(4);
  });

  it("answers an admin's request with an export of the admin's own, not the customer's waiting one", async () => {
    const userId = await newUser();
    const own = (await requestExport(prisma, userId, userId, now)).row;
    const admins = (await requestExport(prisma, userId, 'user-0001', now)).row;
    expect(admins.id).not.toBe(own.id);
    expect((await requestExport(prisma, userId, 'user-0001', now)).row.id).toBe(admins.id);
    await worker().round();
  });

  it('fails at once when the user does not exist', async () => {
    const { row } = await requestExport(prisma, 'export-worker-nobody', 'user-0001', now);
    await worker().round();
    expect(await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: 'FAILED', failedAt: now });
  });

  it('lets two replicas work side by side without collecting a part twice', async () => {
    const users = await Promise.all([newUser(), newUser(), newUser()]);
    const ids = [];
    for (const userId of users) ids.push((await requestExport(prisma, userId, userId, now)).row.id);
    await Promise.all([worker().round(), worker().round()]);
    for (const id of ids) expect((await prisma.dataExport.findUniqueOrThrow({ where: { id } })).status).toBe('READY');
    expect(calls).toEqual({ users: 3, orders: 3, payments: 3, recommendations: 3, products: 3 });
  });

  it('hands an archive out once, even to concurrent downloads', async () => {
    const userId = await newUser();
    const { row } = await requestExport(prisma, userId, userId, now);
    await worker().round();
    const taken = await Promise.all([takeArchive(prisma, row.id, now), takeArchive(prisma, row.id, now)]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({
      status: 'DOWNLOADED',
      archive: null,
      downloadedAt: now,
    });
  });

  it('stops in bounded time, giving back an export whose parts were in flight', async () => {
    const userId = await newUser();
    const { row } = await requestExport(prisma, userId, userId, now);
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const hanging: PartCollector = (_userId, signal) =>
      new Promise((_resolve, reject) => {
        started();
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const w = new DataExportWorker(prisma, { ...collectors(), orders: hanging }, log, { ...CONFIG, pollMs: 10 }, clock, () => 0.5);
    w.start();
    await inFlight;
    await w.close();
    const stored = await prisma.dataExport.findUniqueOrThrow({ where: { id: row.id } });
    expect(stored).toMatchObject({ status: 'RUNNING', attempts: 0, nextAttemptAt: now });
  });
});

it('SubjectGone is what the users part throws for a missing user', async () => {
  await expect(usersPartOf(prisma, 'export-worker-missing')).rejects.toBeInstanceOf(SubjectGone);
});
