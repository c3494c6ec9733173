/**
 * Nothing is lost when the event bus fails. A payment taken while the bus is down is answered
 * (CAPTURED: the database commit is all it needs) and its event waits in the outbox; when the bus
 * is back the order becomes PAID without any restart, and every event reaches each consumer
 * once. The first suite fails the bus in process (runs everywhere, the embedded default too);
 * the second kills the platform's Redis through a TCP proxy and brings it back empty, as a
 * failover does (runs where REDIS_URL is set, i.e. CI's Postgres + Redis pass).
 *
 * REPORT_CATCH_UP=1 prints how long after the bus returned the order became PAID.
 */
import { gql } from 'graphql-request';
import { eventsHandled } from '../platform/metrics';
import { RELAY_DEFAULTS, type DomainEvent } from '../subgraphs/kit/events';
import { eventually } from './support/eventually';
import { startTestPlatform, type TestPlatform } from './support/platform';
import { deleteNamespace, startRedisProxy, type RedisProxy } from './support/redis-proxy';

const SEED = { seed: 21, users: 20, products: 80, orders: 40 };
const USER = 'user-0003';
/** Generous: the machine may be very busy; nothing here asserts a duration. */
const SETTLE_MS = 60_000;

const PAY_ORDER = gql`
  mutation ($input: PayOrderInput!) {
    payOrder(input: $input) {
      id
      status
    }
  }
`;
const REFUND = gql`
  mutation ($id: ID!) {
    refundPayment(paymentId: $id) {
      status
    }
  }
`;
const ORDER_STATUS = gql`
  query ($id: ID!) {
    order(id: $id) {
      status
    }
  }
`;

type OutboxSchema = 'orders' | 'payments' | 'recommendations';

function report(line: string): void {
  if (process.env.REPORT_CATCH_UP === '1') process.stdout.write(`${line}\n`);
}

async function orderStatus(t: TestPlatform, token: string, orderId: string): Promise<string> {
  const { order } = await t.client(token).request<{ order: { status: string } }>(ORDER_STATUS, { id: orderId });
  return order.status;
}

async function pay(t: TestPlatform, token: string, orderId: string): Promise<{ id: string; status: string; ms: number }> {
  const started = Date.now();
  const { payOrder } = await t.client(token).request<{ payOrder: { id: string; status: string } }>(PAY_ORDER, {
    input: { orderId, idempotencyKey: `pay-${orderId}`, cardNumber: '4242424242424242' },
  });
  return { ...payOrder, ms: Date.now() - started };
}

async function outbox(t: TestPlatform, schema: OutboxSchema) {
  return t.platform.db.sql.query<{ event: DomainEvent; sent: boolean; lastError: string | null; attempts: number }>(
    `SELECT "event", "sentAt" IS NOT NULL AS "sent", "lastError", "attempts" FROM "${schema}"."OutboxEvent" ORDER BY "seq"`,
  );
}

const eventsOf = async (t: TestPlatform, schema: OutboxSchema, type: string, orderId: string) =>
  (await outbox(t, schema)).filter((row) => row.event.type === type && (row.event.payload as { orderId: string }).orderId === orderId);

/** How often each event id was processed (its effect run) by a consumer: counted from ProcessedEvent records. */
async function processedCounts(t: TestPlatform, schema: 'orders' | 'recommendations', ids: string[]): Promise<number[]> {
  const rows = await t.platform.db.sql.query<{ eventId: string }>(
    `SELECT "eventId" FROM "${schema}"."ProcessedEvent" WHERE "eventId" = ANY($1)`,
    [ids],
  );
  return ids.map((id) => rows.filter((row) => row.eventId === id).length);
}

async function handled(consumer: string, type: string, outcome: 'processed' | 'duplicate'): Promise<number> {
  const metric = await eventsHandled.get();
  return metric.values.find((v) => v.labels.consumer === consumer && v.labels.type === type && v.labels.outcome === outcome)?.value ?? 0;
}

/**
 * The scenario both suites share: orders placed before and during the outage, one paid during it;
 * `restore` ends the outage. Checks the client's answer, the wait, the catch-up and exactly-once.
 */
async function payThroughOutage(t: TestPlatform, name: string, outage: { begin(): Promise<void>; end(): Promise<void> }) {
  const token = await t.token(USER);
  const before = await t.placeOrder(token, `${name}-before`);
  const toPay = await t.placeOrder(token, `${name}-to-pay`);
  const toRefund = await t.placeOrder(token, `${name}-to-refund`);
  // The pipeline works before the outage: the first order's event reached the recommendations consumer.
  const [placedBefore] = await eventsOf(t, 'orders', 'order.placed', before);
  await eventually(
    () => processedCounts(t, 'recommendations', [placedBefore.event.id]),
    ([count]) => count === 1,
    SETTLE_MS,
  );
  const capturedBefore = await handled('orders', 'payment.captured', 'processed');
  const refundedBefore = await handled('orders', 'payment.refunded', 'processed');

  await outage.begin();
  const paid = await pay(t, token, toPay);
  report(`[${name}] payOrder during the outage answered ${paid.status} in ${paid.ms} ms`);
  expect(paid.status).toBe('CAPTURED');
  const during = await t.placeOrder(token, `${name}-during`);
  // Paid and refunded while the bus is down: both events wait, and the refund must not overtake the capture.
  const { refundPayment } = await t
    .client(token)
    .request<{ refundPayment: { status: string } }>(REFUND, { id: (await pay(t, token, toRefund)).id });
  expect(refundPayment.status).toBe('REFUNDED');

  // The payment's event waits in the outbox: the relay tried, failed, and keeps it. The outage lasts
  // until the relay has backed off to its longest retry interval, so the catch-up measured below is
  // that of a long outage, not of a blip.
  const [captured] = await eventually(
    () => eventsOf(t, 'payments', 'payment.captured', toPay),
    (rows) => rows.length === 1 && rows[0].lastError !== null && rows[0].attempts >= RELAY_DEFAULTS.retryDelaysMs.length + 1,
    SETTLE_MS,
  );
  expect(captured.sent).toBe(false);
  expect(await orderStatus(t, token, toPay)).toBe('PENDING_PAYMENT');

  const restored = Date.now();
  await outage.end();
  const status = await eventually(
    () => orderStatus(t, token, toPay),
    (value) => value === 'PAID',
    SETTLE_MS,
  );
  report(`[${name}] order PAID ${Date.now() - restored} ms after the bus returned`);
  expect(status).toBe('PAID');
  expect(
    await eventually(
      () => orderStatus(t, token, toRefund),
      (value) => value === 'REFUNDED',
      SETTLE_MS,
    ),
  ).toBe('REFUNDED');

  // Everything written during the outage was published, and each consumer processed each event once.
  for (const schema of ['orders', 'payments'] as const) {
    await eventually(
      () => outbox(t, schema),
      (rows) => rows.every((row) => row.sent),
      SETTLE_MS,
    );
  }
  const placed = [...(await eventsOf(t, 'orders', 'order.placed', toPay)), ...(await eventsOf(t, 'orders', 'order.placed', during))];
  expect(placed).toHaveLength(2);
  const placedIds = placed.map((row) => row.event.id);
  expect(
    await eventually(
      () => processedCounts(t, 'recommendations', placedIds),
      (counts) => counts.every((count) => count === 1),
      SETTLE_MS,
    ),
  ).toEqual([1, 1]);
  const paymentEvents = [
    captured,
    ...(await eventsOf(t, 'payments', 'payment.captured', toRefund)),
    ...(await eventsOf(t, 'payments', 'payment.refunded', toRefund)),
  ];
  expect(paymentEvents).toHaveLength(3);
  expect(
    await processedCounts(
      t,
      'orders',
      paymentEvents.map((row) => row.event.id),
    ),
  ).toEqual([1, 1, 1]);
  // Each effect (PENDING_PAYMENT → PAID twice, PAID → REFUNDED once) ran exactly once in this process.
  expect(await handled('orders', 'payment.captured', 'processed')).toBe(capturedBefore + 2);
  expect(await handled('orders', 'payment.refunded', 'processed')).toBe(refundedBefore + 1);
  const purchases = await t.platform.db.sql.query<{ orderId: string }>(
    `SELECT "orderId" FROM "recommendations"."Purchase" WHERE "orderId" = ANY($1)`,
    [[toPay, during]],
  );
  expect(purchases.map((row) => row.orderId).sort()).toEqual([toPay, during].sort());
}

describe('events when the bus refuses them (any bus, the embedded default too)', () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform(SEED);
  });

  afterAll(() => t?.close());

  it('answers payOrder, keeps the event, and the order becomes PAID once the bus takes events again', async () => {
    const bus = t.platform.bus;
    const publish = bus.publish.bind(bus);
    await payThroughOutage(t, 'refused', {
      async begin() {
        bus.publish = async () => {
          throw new Error('event bus unavailable (test)');
        };
      },
      async end() {
        bus.publish = publish;
      },
    });
  }, 240_000);
});

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('events when Redis is killed and comes back empty (REDIS_URL)', () => {
  let proxy: RedisProxy;
  let t: TestPlatform;

  beforeAll(async () => {
    proxy = await startRedisProxy(process.env.REDIS_URL!);
    t = await startTestPlatform(SEED, { redisUrl: proxy.url });
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    if (t) await deleteNamespace(process.env.REDIS_URL!, t.eventNamespace);
  });

  it('answers payOrder, and the order becomes PAID after Redis returns empty, without a restart', async () => {
    await payThroughOutage(t, 'redis', {
      begin: () => proxy.stop(),
      async end() {
        // A failover to an empty replica: streams, consumer groups and caches of this platform are gone.
        await deleteNamespace(process.env.REDIS_URL!, t.eventNamespace);
        await proxy.start();
      },
    });
  }, 240_000);
});
