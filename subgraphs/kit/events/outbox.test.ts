/**
 * The outbox, its relay and idempotent consumers, against a real database: in-memory PGlite by
 * default, a database of its own on PostgreSQL when DATABASE_URL is set; through the in-process
 * bus always and through Redis Streams too when REDIS_URL is set. No test waits on a clock:
 * each waits for a condition, with generous bounds.
 */
import crypto from 'node:crypto';
import { rootLogger } from '../../../platform/logger';
import { openDatabase, type Database, type PrismaClient } from '../../../prisma/database';
import { migrate } from '../../../prisma/migrate';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { eventually } from '../../../test/support/eventually';
import { InProcessEventBus } from './in-process';
import { Outbox } from './outbox';
import { processOnce } from './processed';
import { RedisEventBus } from './redis';
import { outboxLag, outboxPending } from './metrics';
import { OutboxRelay, type RelayOptions } from './relay';
import type { DomainEvent, EventBus } from './types';

const FAST: Partial<RelayOptions> = { retryDelaysMs: [10, 20, 50], idlePollMs: 50 };
const log = rootLogger.child({ test: 'outbox' });
const payment = (n: number) => ({ paymentId: `p${n}`, orderId: `o${n}`, userId: 'u1', amount: 100 + n, currency: 'EUR' });

/** A bus that can be switched off, as Redis can: publishing then fails. */
class SwitchableBus implements EventBus {
  down = false;
  published: DomainEvent[] = [];
  constructor(private readonly inner: EventBus) {}
  async publish(event: DomainEvent) {
    if (this.down) throw new Error('bus unavailable');
    await this.inner.publish(event);
    this.published.push(event);
  }
  subscribe: EventBus['subscribe'] = (type, group, handler) => this.inner.subscribe(type, group, handler);
  close = () => this.inner.close();
}

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
  await prisma.$executeRawUnsafe('DELETE FROM "orders"."OutboxEvent"');
  await prisma.$executeRawUnsafe('DELETE FROM "orders"."ProcessedEvent"');
});

const outboxRows = () =>
  prisma.$queryRawUnsafe<{ id: string; sent: boolean; attempts: number; lastError: string | null }[]>(
    'SELECT "id", "sentAt" IS NOT NULL AS "sent", "attempts", "lastError" FROM "orders"."OutboxEvent" ORDER BY "seq"',
  );

describe('outbox', () => {
  it('commits an event with the transaction that emits it, and never without it', async () => {
    const outbox = new Outbox('orders');
    await expect(
      outbox.transaction(prisma, async (_tx, emit) => {
        await emit('payment.captured', payment(1));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await outboxRows()).toEqual([]);

    const event = await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(2)));
    expect(await outboxRows()).toEqual([{ id: event.id, sent: false, attempts: 0, lastError: null }]);
  });

  it('refuses a subgraph without an outbox table', async () => {
    await expect(new Outbox('products').transaction(prisma, async () => undefined)).rejects.toThrow('no outbox table');
  });
});

const buses: [string, () => EventBus][] = [['in-process', () => new InProcessEventBus(log)]];
if (process.env.REDIS_URL) {
  buses.push(['redis streams', () => new RedisEventBus(process.env.REDIS_URL!, log, `test-${crypto.randomUUID()}`)]);
}

describe.each(buses)('relay and idempotent consumers over the %s bus', (_name, create) => {
  let bus: SwitchableBus;
  const relays: OutboxRelay[] = [];
  /** Every call of the handler, and the ids whose effect ran (inside processOnce). */
  let calls: string[];
  let effects: string[];

  const startRelay = (options: Partial<RelayOptions> = {}) => {
    const relay = new OutboxRelay(prisma, 'orders', bus, log, { ...FAST, ...options });
    relays.push(relay);
    relay.start();
    return relay;
  };

  beforeEach(() => {
    bus = new SwitchableBus(create());
    calls = [];
    effects = [];
    bus.subscribe('payment.captured', 'orders', async (event) => {
      calls.push(event.id);
      await processOnce(prisma, 'orders', 'outbox-test', event, async () => void effects.push(event.id));
    });
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.close()));
    await bus.close();
  });

  it('publishes events in order, marks them sent, and a redelivered event changes nothing', async () => {
    const outbox = new Outbox('orders');
    const ids: string[] = [];
    for (let n = 1; n <= 3; n++) ids.push((await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(n)))).id);
    startRelay();
    await eventually(
      async () => effects.length,
      (count) => count === 3,
      30_000,
    );
    expect(effects).toEqual(ids);
    await eventually(outboxRows, (rows) => rows.every((row) => row.sent), 30_000);

    // The bus delivers at least once: the same events again (a relay that died before marking them sent).
    for (const event of bus.published.slice()) await bus.publish(event);
    await eventually(
      async () => calls.length,
      (count) => count === 6,
      30_000,
    );
    expect(effects).toEqual(ids);
    const processed = await prisma.$queryRawUnsafe<{ eventId: string }[]>(
      `SELECT "eventId" FROM "orders"."ProcessedEvent" WHERE "consumer" = 'outbox-test'`,
    );
    expect(processed.map((row) => row.eventId).sort()).toEqual([...ids].sort());
  }, 60_000);

  it('keeps events while the bus is down and delivers each once when it is back', async () => {
    bus.down = true;
    const relay = startRelay();
    const outbox = new Outbox('orders', () => relay.wake());
    const first = await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(1)));
    await eventually(outboxRows, (rows) => rows[0]?.attempts >= 2, 30_000);
    const second = await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(2)));
    const waiting = await outboxRows();
    expect(waiting.map((row) => [row.id, row.sent])).toEqual([
      [first.id, false],
      [second.id, false],
    ]);
    expect(waiting[0].lastError).toBe('bus unavailable');
    expect(effects).toEqual([]);

    bus.down = false;
    await eventually(
      async () => effects.length,
      (count) => count === 2,
      30_000,
    );
    expect(effects).toEqual([first.id, second.id]);
    await eventually(outboxRows, (rows) => rows.every((row) => row.sent && row.lastError === null), 30_000);
  }, 60_000);

  it('reports the backlog and the age of its oldest event while the bus is down, and none once published', async () => {
    bus.down = true;
    const relay = startRelay({ measureEveryMs: 20 });
    const outbox = new Outbox('orders', () => relay.wake());
    const first = await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(1)));
    await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(2)));
    // Written a minute ago, as if the bus had been down that long.
    await prisma.$executeRawUnsafe(
      `UPDATE "orders"."OutboxEvent" SET "createdAt" = "createdAt" - interval '60 seconds' WHERE "id" = $1`,
      first.id,
    );
    const gauges = async () => ({
      pending: (await outboxPending.get()).values.find((value) => value.labels.service === 'orders')?.value,
      lag: (await outboxLag.get()).values.find((value) => value.labels.service === 'orders')?.value ?? 0,
    });
    const waiting = await eventually(gauges, ({ pending, lag }) => pending === 2 && lag >= 60, 30_000);
    expect(waiting.pending).toBe(2);
    expect(waiting.lag).toBeGreaterThanOrEqual(60);
    expect(waiting.lag).toBeLessThan(600);

    bus.down = false;
    expect(await eventually(gauges, ({ pending, lag }) => pending === 0 && lag === 0, 30_000)).toEqual({ pending: 0, lag: 0 });
  }, 60_000);

  it('sends each row once with two relays on one table, and takes over a lease whose holder died', async () => {
    const outbox = new Outbox('orders');
    const ids: string[] = [];
    for (let n = 1; n <= 40; n++) ids.push((await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(n)))).id);
    // A relay that claimed the first row and died: the row is leased, not sent.
    await prisma.$executeRawUnsafe(
      `UPDATE "orders"."OutboxEvent" SET "availableAt" = CURRENT_TIMESTAMP + interval '2 seconds', "attempts" = 1 WHERE "id" = $1`,
      ids[0],
    );
    startRelay({ batchSize: 5 });
    startRelay({ batchSize: 5 });
    await eventually(
      async () => effects.length,
      (count) => count === 40,
      30_000,
    );
    expect(bus.published).toHaveLength(40);
    expect(new Set(bus.published.map((event) => event.id)).size).toBe(40);
    expect([...effects].sort()).toEqual([...ids].sort());
    await eventually(outboxRows, (rows) => rows.every((row) => row.sent), 30_000);
  }, 60_000);
});

describe('retention', () => {
  it('deletes sent rows and processed records older than the retention period, nothing else', async () => {
    const outbox = new Outbox('orders');
    const [old, recent, unsent] = [
      await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(1))),
      await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(2))),
      await outbox.transaction(prisma, (_tx, emit) => emit('payment.captured', payment(3))),
    ];
    await prisma.$executeRawUnsafe(
      `UPDATE "orders"."OutboxEvent" SET "sentAt" = CURRENT_TIMESTAMP - interval '8 days' WHERE "id" = $1`,
      old.id,
    );
    await prisma.$executeRawUnsafe(`UPDATE "orders"."OutboxEvent" SET "sentAt" = CURRENT_TIMESTAMP WHERE "id" = $1`, recent.id);
    await prisma.$executeRawUnsafe(
      `INSERT INTO "orders"."ProcessedEvent" ("consumer", "eventId", "processedAt")
       VALUES ('c', 'old', CURRENT_TIMESTAMP - interval '8 days'), ('c', 'recent', CURRENT_TIMESTAMP)`,
    );
    const relay = new OutboxRelay(prisma, 'orders', new InProcessEventBus(log), log);
    expect(await relay.prune()).toEqual({ outbox: 1, processed: 1 });
    expect((await outboxRows()).map((row) => row.id)).toEqual([recent.id, unsent.id]);
    const processed = await prisma.$queryRawUnsafe<{ eventId: string }[]>(`SELECT "eventId" FROM "orders"."ProcessedEvent"`);
    expect(processed).toEqual([{ eventId: 'recent' }]);
  });
});
