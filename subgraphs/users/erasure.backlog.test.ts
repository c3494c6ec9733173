/**
 * The pending-erasure reading against a real database (PGlite by default, a database of its own on
 * PostgreSQL when DATABASE_URL is set): each subgraph's parts not yet done and the age of the
 * oldest erasure waiting for it, completed erasures never counted; the meter puts them in the
 * gauges ErasureStuck reads, and reports nothing rather than a stale age when it cannot read.
 */
import crypto from 'node:crypto';
import { rootLogger } from '../../platform/logger';
import { openDatabase, type Database, type PrismaClient } from '../../prisma/database';
import { migrate } from '../../prisma/migrate';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { eventually } from '../../test/support/eventually';
import { ErasureBacklogMeter, readErasureBacklog } from './erasure.backlog';
import { ERASURE_SUBGRAPHS } from './erasure.data';
import { erasurePartsOldestPending, erasurePartsPending } from './erasure.metrics';

const log = rootLogger.child({ test: 'erasure-backlog' });

let testDb: TestDatabase;
let db: Database;
let prisma: PrismaClient;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url });
  await migrate(db);
  prisma = db.createClient();
});

afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

beforeEach(async () => {
  // A database of this file's own: start each test with no erasure.
  await prisma.$executeRawUnsafe('DELETE FROM "users"."Erasure"');
});

/** An erasure requested `ageSeconds` ago whose `pending` parts are not done yet (the others are). */
async function erasure(ageSeconds: number, pending: string[], completed = false): Promise<string> {
  const id = crypto.randomUUID();
  const requestedAt = new Date(Date.now() - ageSeconds * 1000);
  await prisma.erasure.create({
    data: {
      id,
      subjectId: `backlog-${id}`,
      requestedBy: 'admin-1',
      requestedAt,
      completedAt: completed ? new Date() : null,
      parts: {
        create: ERASURE_SUBGRAPHS.map((subgraph) => ({ subgraph, completedAt: pending.includes(subgraph) ? null : requestedAt })),
      },
    },
  });
  return id;
}

const gauge = async (metric: typeof erasurePartsPending, subgraph: string) =>
  (await metric.get()).values.find((value) => value.labels.subgraph === subgraph)?.value;

describe('pending erasures', () => {
  it('reads every subgraph as 0 when nothing waits, completed erasures included', async () => {
    await erasure(5 * 3600, [], true);
    const backlog = await readErasureBacklog(prisma);
    expect(backlog).toEqual(Object.fromEntries(ERASURE_SUBGRAPHS.map((subgraph) => [subgraph, { pending: 0, oldestSeconds: 0 }])));
  });

  it("counts each subgraph's parts not done, and how long the oldest erasure waiting for it has waited", async () => {
    await erasure(2 * 3600, ['orders']);
    await erasure(600, ['orders', 'recommendations']);
    await erasure(5 * 3600, [], true);
    const backlog = await readErasureBacklog(prisma);
    expect({
      orders: backlog.orders.pending,
      payments: backlog.payments,
      recommendations: backlog.recommendations.pending,
      users: backlog.users,
    }).toEqual({ orders: 2, payments: { pending: 0, oldestSeconds: 0 }, recommendations: 1, users: { pending: 0, oldestSeconds: 0 } });
    // The database's clock and this process's are the same machine's: within a minute of the seeded ages.
    expect(Math.abs(backlog.orders.oldestSeconds - 2 * 3600)).toBeLessThan(60);
    expect(Math.abs(backlog.recommendations.oldestSeconds - 600)).toBeLessThan(60);
  });

  it('the meter reports the backlog in the gauges, and 0 once the part is done', async () => {
    const id = await erasure(3 * 3600, ['payments']);
    const meter = new ErasureBacklogMeter(prisma, log, 20);
    meter.start();
    try {
      expect(
        await eventually(
          () => gauge(erasurePartsPending, 'payments'),
          (value) => value === 1,
        ),
      ).toBe(1);
      expect(await gauge(erasurePartsOldestPending, 'payments')).toBeGreaterThan(3 * 3600 - 60);
      expect(await gauge(erasurePartsPending, 'orders')).toBe(0);
      await prisma.erasurePart.updateMany({ where: { erasureId: id }, data: { completedAt: new Date() } });
      await prisma.erasure.update({ where: { id }, data: { completedAt: new Date() } });
      expect(
        await eventually(
          () => gauge(erasurePartsOldestPending, 'payments'),
          (value) => value === 0,
        ),
      ).toBe(0);
    } finally {
      await meter.close();
    }
  });

  it('reports no value rather than a stale one while the database cannot be read', async () => {
    await erasure(3 * 3600, ['orders']);
    const meter = new ErasureBacklogMeter(prisma, log, 20);
    meter.start();
    await eventually(
      () => gauge(erasurePartsPending, 'orders'),
      (value) => value === 1,
    );
    await meter.close();
    const down = { $transaction: () => Promise.reject(new Error('connection refused')) } as unknown as PrismaClient;
    const failing = new ErasureBacklogMeter(down, log, 20);
    failing.start();
    try {
      expect(
        await eventually(
          async () => (await erasurePartsOldestPending.get()).values,
          (values) => values.length === 0,
        ),
      ).toEqual([]);
      expect((await erasurePartsPending.get()).values).toEqual([]);
    } finally {
      await failing.close();
    }
  });
});
