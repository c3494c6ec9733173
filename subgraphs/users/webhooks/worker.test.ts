/**
 * The delivery queue against a real database (PGlite by default, a database of its own on
 * PostgreSQL when DATABASE_URL is set) and a real HTTP receiver: replicas never send a delivery
 * twice, a dead worker's claim returns after its lease, a redelivered event queues nothing (dead
 * letters included), and delivered rows are pruned after the retention period.
 */
import crypto from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_DEFAULTS, type WebhookConfig } from '../../../platform/config';
import { rootLogger } from '../../../platform/logger';
import { openDatabase, type Database, type PrismaClient } from '../../../prisma/database';
import { migrate } from '../../../prisma/migrate';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database';
import { eventually } from '../../../test/support/eventually';
import { claimDue, enqueueDelivery, markFailed, pruneDelivered, replayDelivery, saveWebhook } from './data';
import type { ResolveHost } from './destination';
import { postPinned, type PostTo } from './post';
import { webhookDeadLetters } from './metrics';
import { SYSTEM_EGRESS, WebhookWorker } from './worker';

const FAST: WebhookConfig = {
  ...WEBHOOK_DEFAULTS,
  initialDelayMs: 20,
  maxDelayMs: 100,
  pollMs: 20,
  leaseMs: 5000,
  timeoutMs: 5000,
  batchSize: 5,
  // The receiver listens on 127.0.0.1, which production refuses.
  allowPrivateDestinations: true,
};
const log = rootLogger.child({ test: 'webhook-worker' });

let testDb: TestDatabase;
let db: Database;
let prisma: PrismaClient;
let server: http.Server;
let url: string;
/** Event ids the receiver got, in arrival order. */
let received: string[] = [];
/** The Host header of each request the receiver got. */
let hosts: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase({ url: testDb.url });
  await migrate(db);
  prisma = db.createClient();
  server = http.createServer((req, res) => {
    received.push(String(req.headers['partner-event-id']));
    hosts.push(String(req.headers.host));
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await db?.close();
  await testDb?.drop();
});

beforeEach(async () => {
  received = [];
  hosts = [];
  // Each test claims whatever is due: start from an empty queue.
  await prisma.$executeRawUnsafe('DELETE FROM "users"."WebhookDelivery"');
  await prisma.$executeRawUnsafe('DELETE FROM "users"."WebhookDeadLetter"');
});

/** A partner with a webhook at `target` (the test receiver); resolves with the user id its orders carry. */
async function partnerWithWebhook(target = url): Promise<string> {
  const userId = `svc-${crypto.randomUUID()}`;
  await prisma.user.create({ data: { id: userId, name: userId, email: `${userId}@partners.example` } });
  const partner = await prisma.partner.create({ data: { name: userId, userId, requestsPerMinute: 60, costBudget: 1000 } });
  // Saved straight to the table, as a registration from before the destination checks would be.
  await saveWebhook(prisma, partner.id, target);
  return userId;
}

const event = (id = crypto.randomUUID()) => ({ id, type: 'order.placed', body: JSON.stringify({ id, type: 'order.placed', data: {} }) });

const deliveredCount = async (ids: string[]) =>
  prisma.webhookDelivery.count({ where: { eventId: { in: ids }, deliveredAt: { not: null } } });

describe('webhook delivery queue', () => {
  it('two replicas deliver every queued event exactly once between them', async () => {
    const userId = await partnerWithWebhook();
    const events = Array.from({ length: 30 }, () => event());
    for (const e of events) expect(await enqueueDelivery(prisma, userId, e)).toBe(1);
    const workers = [new WebhookWorker(db.createClient(), log, FAST), new WebhookWorker(db.createClient(), log, FAST)];
    workers.forEach((worker) => worker.start());
    try {
      const ids = events.map((e) => e.id);
      await eventually(
        () => deliveredCount(ids),
        (count) => count === ids.length,
        30_000,
      );
      expect([...received].sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  });

  it("sends a dead worker's claim again once its lease runs out", async () => {
    const userId = await partnerWithWebhook();
    const e = event();
    await enqueueDelivery(prisma, userId, e);
    // A worker claims it for 300 ms and dies without a word.
    expect(await claimDue(prisma, 10, 300)).toEqual([expect.objectContaining({ eventId: e.id, attempts: 1 })]);
    const worker = new WebhookWorker(prisma, log, FAST);
    worker.start();
    try {
      await eventually(
        () => deliveredCount([e.id]),
        (count) => count === 1,
        30_000,
      );
      expect(received).toEqual([e.id]);
      expect((await prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: e.id } })).attempts).toBe(2);
    } finally {
      await worker.close();
    }
  });

  it('queues an event once per endpoint, even after it was dead-lettered and replayed', async () => {
    const userId = await partnerWithWebhook();
    const e = event();
    expect(await enqueueDelivery(prisma, userId, e)).toBe(1);
    expect(await enqueueDelivery(prisma, userId, e)).toBe(0);
    const [claimed] = await claimDue(prisma, 10, 60_000);
    expect(await markFailed(prisma, claimed, { status: 503, error: 'HTTP 503' }, 10, 0)).toBe('dead');
    expect(await prisma.webhookDelivery.count({ where: { eventId: e.id } })).toBe(0);
    expect(await enqueueDelivery(prisma, userId, e)).toBe(0);
    const replayed = await replayDelivery(prisma, claimed.id);
    expect(replayed).toMatchObject({ id: claimed.id, attempts: 0, lastError: 'HTTP 503', deliveredAt: null });
    expect(await prisma.webhookDeadLetter.count({ where: { eventId: e.id } })).toBe(0);
    expect(await enqueueDelivery(prisma, userId, e)).toBe(0);
    // An event for a user no partner acts as queues nothing.
    expect(await enqueueDelivery(prisma, 'user-nobody', event())).toBe(0);
  });

  it('reports the dead letters held in partner_webhook_dead_letters, and fewer once one is replayed', async () => {
    const userId = await partnerWithWebhook();
    const dead: string[] = [];
    for (const e of [event(), event()]) {
      await enqueueDelivery(prisma, userId, e);
      const [claimed] = await claimDue(prisma, 10, 60_000);
      expect(await markFailed(prisma, claimed, { status: 503, error: 'HTTP 503' }, 10, 0)).toBe('dead');
      dead.push(claimed.id);
    }
    const held = async () => (await webhookDeadLetters.get()).values[0]?.value;
    const worker = new WebhookWorker(prisma, log, FAST, Math.random, SYSTEM_EGRESS, undefined, 20);
    worker.start();
    try {
      expect(await eventually(held, (value) => value === 2)).toBe(2);
      await replayDelivery(prisma, dead[0]);
      expect(await eventually(held, (value) => value === 1)).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('answers a replay with the delivery as the replay left it, even when a worker claims it at once', async () => {
    const userId = await partnerWithWebhook();
    const e = event();
    await enqueueDelivery(prisma, userId, e);
    const [claimed] = await claimDue(prisma, 10, 60_000);
    expect(await markFailed(prisma, claimed, { status: 500, error: 'HTTP 500' }, 10, 0)).toBe('dead');
    // Another replica's worker claims the revived row right after each statement of the replay.
    const racedByWorker = new Proxy(prisma, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || !String(key).startsWith('$') || key === '$transaction') return value;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          await claimDue(target, 10, 60_000);
          return result;
        };
      },
    });
    const replayed = await replayDelivery(racedByWorker, claimed.id);
    expect(replayed).toMatchObject({
      id: claimed.id,
      attempts: 0,
      deliveredAt: null,
      createdAt: expect.any(Date),
      nextAttemptAt: expect.any(Date),
    });
    expect(await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: claimed.id } })).toMatchObject({ attempts: 1 });
  });

  it('records a failure as a retry while the window lasts, and ignores a late record from a worker whose lease ran out', async () => {
    const userId = await partnerWithWebhook();
    const e = event();
    await enqueueDelivery(prisma, userId, e);
    const [first] = await claimDue(prisma, 10, 60_000);
    expect(await markFailed(prisma, first, { status: null, error: 'connect ECONNREFUSED' }, 1, 3600_000)).toBe('retrying');
    expect(await prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: e.id } })).toMatchObject({
      attempts: 1,
      lastStatus: null,
      lastError: 'connect ECONNREFUSED',
      deliveredAt: null,
    });
    // Worker A claims attempt 2 with a short lease and stalls; worker B claims attempt 3 after it.
    const [stalled] = await eventually(
      () => claimDue(prisma, 10, 1),
      (rows) => rows.length === 1,
      10_000,
    );
    const [taken] = await eventually(
      () => claimDue(prisma, 10, 60_000),
      (rows) => rows.length === 1,
      10_000,
    );
    expect([stalled.attempts, taken.attempts]).toEqual([2, 3]);
    expect(await markFailed(prisma, stalled, { status: 500, error: 'late' }, 1, 3600_000)).toBe('stale');
    expect(await prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: e.id } })).toMatchObject({
      attempts: 3,
      lastError: 'connect ECONNREFUSED',
    });
  });

  it('prunes delivered rows after the retention period, never waiting ones', async () => {
    const userId = await partnerWithWebhook();
    const [old, waiting] = [event(), event()];
    await enqueueDelivery(prisma, userId, old);
    await enqueueDelivery(prisma, userId, waiting);
    await prisma.$executeRawUnsafe(
      `UPDATE "users"."WebhookDelivery" SET "deliveredAt" = CURRENT_TIMESTAMP - interval '8 days' WHERE "eventId" = $1`,
      old.id,
    );
    expect(await pruneDelivered(prisma, 7 * 24 * 3600_000)).toBe(1);
    expect((await prisma.webhookDelivery.findMany({ where: { eventId: { in: [old.id, waiting.id] } } })).map((row) => row.eventId)).toEqual(
      [waiting.id],
    );
  });

  it("delivers another partner's event while one endpoint stalls, and the stalled POST ends at the delivery timeout", async () => {
    const stalled: http.ServerResponse[] = [];
    const stalling = http.createServer((_req, res) => stalled.push(res));
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    const stallingUser = await partnerWithWebhook(`http://127.0.0.1:${(stalling.address() as AddressInfo).port}/hook`);
    const otherUser = await partnerWithWebhook();
    const worker = new WebhookWorker(prisma, log, { ...FAST, timeoutMs: 5000 });
    worker.start();
    try {
      const slow = event();
      await enqueueDelivery(prisma, stallingUser, slow);
      worker.wake();
      await eventually(
        async () => stalled.length,
        (count) => count === 1,
        30_000,
      );
      const other = event();
      await enqueueDelivery(prisma, otherUser, other);
      worker.wake();
      await eventually(
        () => deliveredCount([other.id]),
        (count) => count === 1,
        30_000,
      );
      // Delivered while the stalled POST still waits for its answer: nothing is recorded for it yet.
      expect(await prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: slow.id } })).toMatchObject({
        attempts: 1,
        lastError: null,
        deliveredAt: null,
      });
      // Bounded: the delivery timeout ends the stall, recorded as a failure to retry.
      const failed = await eventually(
        () => prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: slow.id } }),
        (row) => row.lastError !== null,
        30_000,
      );
      expect(failed.lastError).toBe('no answer within 5000 ms');
    } finally {
      await worker.close();
      stalling.closeAllConnections();
      await new Promise((resolve) => stalling.close(resolve));
    }
  });

  describe('destinations', () => {
    let systemLookup: jest.SpyInstance;

    beforeEach(() => {
      // No test here may ask the system resolver (which could query a DNS server off this machine).
      systemLookup = jest.spyOn(dns, 'lookup').mockImplementation(() => {
        throw new Error('the system resolver was used');
      });
    });

    afterEach(() => systemLookup.mockRestore());

    it('never dials a destination that is, or resolves to, a non-public address, and records why', async () => {
      const resolve: ResolveHost = async (hostname) => (hostname === 'hooks.partner.test' ? ['10.0.0.5'] : []);
      const post = jest.fn<ReturnType<PostTo>, Parameters<PostTo>>();
      const byName = await partnerWithWebhook('https://hooks.partner.test/hook');
      const metadata = await partnerWithWebhook('http://169.254.169.254/latest/meta-data');
      const mapped = await partnerWithWebhook('http://[::ffff:7f00:1]:8080/hook');
      const events = [event(), event(), event()];
      await enqueueDelivery(prisma, byName, events[0]);
      await enqueueDelivery(prisma, metadata, events[1]);
      await enqueueDelivery(prisma, mapped, events[2]);
      const worker = new WebhookWorker(prisma, log, { ...FAST, allowPrivateDestinations: false }, Math.random, { resolve, post });
      worker.start();
      try {
        const rows = await eventually(
          () => prisma.webhookDelivery.findMany({ where: { eventId: { in: events.map((e) => e.id) } } }),
          (found) => found.length === 3 && found.every((row) => row.lastError !== null),
          30_000,
        );
        const errors = Object.fromEntries(rows.map((row) => [row.eventId, row.lastError]));
        expect(errors[events[0].id]).toBe(
          'destination refused: hooks.partner.test resolves to 10.0.0.5, a private address; webhooks go only to public addresses',
        );
        expect(errors[events[1].id]).toMatch(/^destination refused: 169\.254\.169\.254 is a link-local address/);
        expect(errors[events[2].id]).toMatch(/^destination refused: ::ffff:7f00:1 is a loopback address/);
        expect(post).not.toHaveBeenCalled();
        expect(systemLookup).not.toHaveBeenCalled();
      } finally {
        await worker.close();
      }
    });

    it('gives a resolver that never answers no more than the delivery timeout', async () => {
      const resolve: ResolveHost = () => new Promise<string[]>(() => undefined);
      const post = jest.fn<ReturnType<PostTo>, Parameters<PostTo>>();
      const userId = await partnerWithWebhook('https://silent-dns.partner.test/hook');
      const e = event();
      await enqueueDelivery(prisma, userId, e);
      const worker = new WebhookWorker(prisma, log, { ...FAST, timeoutMs: 300 }, Math.random, { resolve, post });
      worker.start();
      try {
        const row = await eventually(
          () => prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: e.id } }),
          (found) => found.lastError !== null,
          30_000,
        );
        expect(row.lastError).toBe('no answer within 300 ms');
        expect(post).not.toHaveBeenCalled();
      } finally {
        await worker.close();
      }
    });

    it('connects to the address it checked, sending the name as Host, with no second lookup', async () => {
      const asked: string[] = [];
      // The name resolves to the receiver's loopback address (allowed here, as in a developer's setup).
      const resolve: ResolveHost = async (hostname) => {
        asked.push(hostname);
        return hostname === 'hooks.partner.test' ? ['127.0.0.1'] : [];
      };
      const port = (server.address() as AddressInfo).port;
      const userId = await partnerWithWebhook(`http://hooks.partner.test:${port}/hook`);
      const e = event();
      await enqueueDelivery(prisma, userId, e);
      const worker = new WebhookWorker(prisma, log, FAST, Math.random, { resolve, post: postPinned });
      worker.start();
      try {
        await eventually(
          () => deliveredCount([e.id]),
          (count) => count === 1,
          30_000,
        );
        expect(received).toEqual([e.id]);
        expect(hosts).toEqual([`hooks.partner.test:${port}`]);
        expect(asked).toEqual(['hooks.partner.test']);
        expect(systemLookup).not.toHaveBeenCalled();
      } finally {
        await worker.close();
      }
    });
  });
});
