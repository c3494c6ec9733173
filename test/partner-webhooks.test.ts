/**
 * Partner webhooks end to end: the real platform, partners made with the CLI that place orders
 * through /partner/graphql with their API keys (their service account pays on /graphql), and a
 * real HTTP receiver on 127.0.0.1 that fails and then recovers. The receiver
 * checks every signature the way docs/partner-api.md tells partners to. Retry schedule and window are
 * shortened to milliseconds through the platform's config; nothing here asserts a duration.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gql } from 'graphql-request';
import { WEBHOOK_DEFAULTS } from '../platform/config';
import { webhookDeliveries } from '../platform/metrics';
import { fromRoot } from '../platform/paths';
import type { DomainEvent } from '../subgraphs/kit/events';
import { eventually } from './support/eventually';
import { createPartnerKey, partnerCli } from './support/partners';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

const SEED = { seed: 11, users: 20, products: 80, orders: 40 };
/** Generous bounds for a busy machine; the waits end as soon as the condition holds. */
const SETTLE_MS = 30_000;
/** Milliseconds instead of seconds and hours; a long timeout, so only closing can cut a hanging POST short. */
const WEBHOOKS = {
  ...WEBHOOK_DEFAULTS,
  initialDelayMs: 100,
  maxDelayMs: 400,
  retryWindowMs: 3000,
  timeoutMs: 60_000,
  leaseMs: 90_000,
  pollMs: 50,
  batchSize: 20,
  // The receivers listen on 127.0.0.1, which production refuses.
  allowPrivateDestinations: true,
};

type Verify = (secret: string, rawBody: string, header: string) => boolean;

/** The partner page's verification recipe, run as a partner would copy it (the ```js block that defines it). */
function documentedRecipe(): Verify {
  const page = fs.readFileSync(fromRoot('docs/partner-api.md'), 'utf8');
  const block = [...page.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((match) => match[1])
    .find((code) => code.includes('function verifyPartnerSignature'));
  if (!block) throw new Error('docs/partner-api.md has no verifyPartnerSignature recipe');
  // The recipe's only import is node:crypto.
  return new Function('require', `${block}\nreturn verifyPartnerSignature;`)(() => crypto) as Verify;
}
const verifyPartnerSignature = documentedRecipe();

interface Received {
  eventId: string;
  signature: string;
  body: string;
  json: { id: string; type: string; createdAt: string; data: { orderId: string; status: string; previousStatus?: string } };
  answered: number;
}

/** A partner's endpoint: answers each request with the status `answer` gives it (or never); records every request. */
class Receiver {
  readonly requests: Received[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = this.answer(this.requests.length);
      this.requests.push({
        eventId: String(req.headers['partner-event-id']),
        signature: String(req.headers['partner-signature']),
        body,
        json: JSON.parse(body) as Received['json'],
        answered: status === 'hang' ? 0 : status,
      });
      if (status !== 'hang') res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver is down');
    });
  });
  url = '';

  constructor(private readonly answer: (requestIndex: number) => number | 'hang') {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }

  accepted(orderId: string): Received[] {
    return this.requests.filter((request) => request.answered === 200 && request.json.data.orderId === orderId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let t: TestPlatform;
let adminToken: string;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await startTestPlatform(SEED, { config: { webhooks: WEBHOOKS } });
  adminToken = await t.token('partner-admin', ['admin']);
}, 120_000);

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await t?.close();
});

/** Runs the partner CLI against the test platform; resolves with its exit code and every line it printed. */
async function cli(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const run = await partnerCli(t, argv);
  return { code: run.code, lines: [...run.lines, ...run.errors] };
}

interface TestPartner {
  partnerId: string;
  /** The service account it acts as: its orders carry this user id. */
  userId: string;
  /** A customer token for that account (paying is not in the partner contract). */
  token: string;
  /** Places an order through /partner/graphql with the partner's API key; resolves with its id. */
  placeOrder(idempotencyKey: string): Promise<string>;
}

/** A partner made as an admin makes one (`partner -- create`), with its API key. */
async function createPartner(name: string): Promise<TestPartner> {
  const { key } = await createPartnerKey(t, name);
  const { partners } = await t
    .client(adminToken)
    .request<{ partners: { id: string; name: string; userId: string }[] }>('{ partners { id name userId } }');
  const partner = partners.find((candidate) => candidate.name === name)!;
  return {
    partnerId: partner.id,
    userId: partner.userId,
    token: await t.token(partner.userId),
    async placeOrder(idempotencyKey) {
      const { products } = await t
        .client()
        .request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(
          '{ products(first: 50) { edges { node { id stock } } } }',
        );
      const productId = products.edges.find((edge) => edge.node.stock > 10)!.node.id;
      const response = await fetch(`${t.url.replace(/\/graphql$/, '')}/partner/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({
          query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
          variables: { input: { idempotencyKey, items: [{ productId, quantity: 1 }] } },
        }),
      });
      const body = (await response.json()) as { data?: { placeOrder: { id: string } }; errors?: unknown[] };
      if (!body.data?.placeOrder) throw new Error(`partner placeOrder failed: ${JSON.stringify(body.errors)}`);
      return body.data.placeOrder.id;
    },
  };
}

async function registerWebhook(partnerId: string, receiver: Receiver): Promise<string> {
  const { code, lines } = await cli('webhook', partnerId, receiver.url);
  expect(code).toBe(0);
  const secret = lines[lines.length - 1];
  expect(secret).toMatch(/^whsec_/);
  return secret;
}

async function pay(token: string, orderId: string): Promise<string> {
  const { payOrder } = await t.client(token).request<{ payOrder: { id: string; status: string } }>(
    gql`
      mutation ($input: PayOrderInput!) {
        payOrder(input: $input) {
          id
          status
        }
      }
    `,
    { input: { orderId, idempotencyKey: `pay-${orderId}`, cardNumber: '4242424242424242' } },
  );
  expect(payOrder.status).toBe('CAPTURED');
  return payOrder.id;
}

/** A row of `deliveries` output for a dead letter (the header mentions DEAD too). */
const isDead = (line: string) => /\sDEAD\s+\d/.test(line);

const metric = async (outcome: string) => (await webhookDeliveries.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('partner webhooks', () => {
  it("delivers the partner's order placed and paid, signed, retrying through the receiver's failures", async () => {
    const partner = await createPartner('marketplace');
    const receiver = await new Receiver((index) => (index < 3 ? 500 : 200)).start();
    receivers.push(receiver);
    const secret = await registerWebhook(partner.partnerId, receiver);
    const [failedBefore, deliveredBefore] = [await metric('failed'), await metric('delivered')];

    const orderId = await partner.placeOrder('webhook-order-1');
    const paymentId = await pay(partner.token, orderId);

    const accepted = await eventually(
      async () => receiver.accepted(orderId),
      (requests) => new Set(requests.map((request) => request.json.type)).size === 2,
      SETTLE_MS,
    );
    const placed = accepted.find((request) => request.json.type === 'order.placed')!;
    const changed = accepted.find((request) => request.json.type === 'order.status_changed')!;
    expect(placed.json.data).toEqual({
      orderId,
      status: 'PENDING_PAYMENT',
      total: expect.objectContaining({ currency: expect.any(String) }),
    });
    expect(changed.json.data).toEqual({ orderId, status: 'PAID', previousStatus: 'PENDING_PAYMENT' });
    // Nothing personal travels: not even the service account's user id.
    for (const request of receiver.requests) expect(request.body).not.toContain(partner.userId);

    // Every request, failed ones included, is signed with the secret the CLI printed, and names its event.
    expect(receiver.requests.length).toBeGreaterThanOrEqual(5);
    for (const request of receiver.requests) {
      expect(verifyPartnerSignature(secret, request.body, request.signature)).toBe(true);
      expect(verifyPartnerSignature(`${secret}x`, request.body, request.signature)).toBe(false);
      expect(request.eventId).toBe(request.json.id);
    }
    // The failures were retried: some event was POSTed more than once, always with the same body.
    const failed = receiver.requests.filter((request) => request.answered === 500);
    expect(failed).toHaveLength(3);
    for (const failure of failed) expect(accepted.find((request) => request.eventId === failure.eventId)?.body).toBe(failure.body);

    // The receiver answered before the worker recorded it: wait for the record.
    const { code, lines } = await eventually(
      () => cli('deliveries', partner.partnerId),
      (listing) => listing.lines.filter((line) => line.includes('DELIVERED')).length === 2,
      SETTLE_MS,
    );
    expect(code).toBe(0);
    expect(await metric('failed')).toBeGreaterThanOrEqual(failedBefore + 3);
    expect(await metric('delivered')).toBeGreaterThanOrEqual(deliveredBefore + 2);

    // Every later status change travels too: the refund.
    await t.client(partner.token).request(
      gql`
        mutation ($id: ID!) {
          refundPayment(paymentId: $id) {
            status
          }
        }
      `,
      { id: paymentId },
    );
    const refunded = await eventually(
      async () => receiver.accepted(orderId).filter((request) => request.json.data.status === 'REFUNDED'),
      (requests) => requests.length > 0,
      SETTLE_MS,
    );
    expect(refunded[0].json).toMatchObject({ type: 'order.status_changed', data: { orderId, status: 'REFUNDED', previousStatus: 'PAID' } });
    // One event per change that happened, written by the orders subgraph's outbox.
    const changes = await t.platform.db.sql.query<{ event: DomainEvent<'order.status_changed'> }>(
      `SELECT "event" FROM "orders"."OutboxEvent" WHERE "type" = 'order.status_changed' AND "event"->'payload'->>'orderId' = $1 ORDER BY "seq"`,
      [orderId],
    );
    expect(changes.map(({ event }) => [event.payload.from, event.payload.to, event.payload.userId])).toEqual([
      ['PENDING_PAYMENT', 'PAID', partner.userId],
      ['PAID', 'REFUNDED', partner.userId],
    ]);
    expect(lines[0]).toBe(`webhook ${receiver.url}`);
    expect(lines[1]).toMatch(/^ID\s+EVENT\s+STATUS\s+ATTEMPTS\s+LAST ERROR\s+NEXT ATTEMPT \/ DEAD SINCE$/);
    const rows = lines.slice(2);
    expect(rows.filter((line) => line.includes('DELIVERED'))).toHaveLength(2);
    expect(rows.some((line) => /order\.placed|order\.status_changed/.test(line))).toBe(true);
  });

  it('dead-letters a delivery after the retry window, lists it, and replays it once the receiver recovers', async () => {
    const partner = await createPartner('affiliate');
    let down = true;
    const receiver = await new Receiver(() => (down ? 500 : 200)).start();
    receivers.push(receiver);
    const secret = await registerWebhook(partner.partnerId, receiver);
    const deadBefore = await metric('dead_lettered');

    const orderId = await partner.placeOrder('webhook-order-dead');
    const listing = await eventually(
      () => cli('deliveries', partner.partnerId),
      ({ lines }) => lines.some(isDead),
      SETTLE_MS,
    );
    const deadLine = listing.lines.find(isDead)!;
    expect(deadLine).toMatch(/order\.placed\s+DEAD\s+\d+\s+HTTP 500: receiver is down\s+dead since \d{4}-/);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    expect(receiver.accepted(orderId)).toEqual([]);
    expect(await metric('dead_lettered')).toBe(deadBefore + 1);
    // A dead letter stays put: the worker sends nothing more.
    const [{ count }] = await t.platform.db.sql.query<{ count: number }>(
      'SELECT count(*)::int AS "count" FROM "users"."WebhookDeadLetter" d JOIN "users"."PartnerWebhook" w ON w."id" = d."webhookId" WHERE w."partnerId" = $1',
      [partner.partnerId],
    );
    expect(count).toBe(1);

    down = false;
    const deliveryId = deadLine.split(/\s+/)[0];
    const replay = await cli('deliveries', partner.partnerId, '--replay', deliveryId);
    expect(replay.code).toBe(0);
    expect(replay.lines[0]).toBe(`replayed ${deliveryId}: PENDING`);
    const accepted = await eventually(
      async () => receiver.accepted(orderId),
      (requests) => requests.length > 0,
      SETTLE_MS,
    );
    expect(accepted).toHaveLength(1);
    expect(accepted[0].json).toMatchObject({ type: 'order.placed', data: { orderId, status: 'PENDING_PAYMENT' } });
    expect(verifyPartnerSignature(secret, accepted[0].body, accepted[0].signature)).toBe(true);
    const after = await eventually(
      () => cli('deliveries', partner.partnerId),
      ({ lines }) => lines.some((line) => line.includes('DELIVERED')),
      SETTLE_MS,
    );
    expect(after.lines.some(isDead)).toBe(false);
  });

  it("never sends another user's orders to a partner", async () => {
    const partner = await createPartner('reseller');
    const receiver = await new Receiver(() => 200).start();
    receivers.push(receiver);
    await registerWebhook(partner.partnerId, receiver);
    const customer = await t.token('user-0003');

    const foreign = await t.placeOrder(customer, 'not-the-partners-order');
    await pay(customer, foreign);
    // Events of one type reach the consumer in order: once the partner's later order and payment
    // are delivered, the customer's earlier ones have been handled (and skipped).
    const own = await partner.placeOrder('partners-own-order');
    await pay(partner.token, own);
    await eventually(
      async () => receiver.accepted(own),
      (requests) => requests.length === 2,
      SETTLE_MS,
    );
    for (const r of receivers) expect(r.requests.some((request) => request.body.includes(foreign))).toBe(false);
    const queued = await t.platform.db.sql.query('SELECT "id" FROM "users"."WebhookDelivery" WHERE "body" LIKE $1', [`%${foreign}%`]);
    expect(queued).toEqual([]);

    // The bus delivers at least once: the partner's order.placed published again queues nothing new.
    const [{ event: placed }] = await t.platform.db.sql.query<{ event: DomainEvent }>(
      `SELECT "event" FROM "orders"."OutboxEvent" WHERE "type" = 'order.placed' AND "event"->'payload'->>'orderId' = $1`,
      [own],
    );
    await t.platform.bus.publish(placed);
    const later = await partner.placeOrder('partners-later-order');
    await eventually(
      async () => receiver.accepted(later),
      (requests) => requests.length === 1,
      SETTLE_MS,
    );
    expect(receiver.requests.filter((request) => request.eventId === placed.id)).toHaveLength(1);
  });

  it('stops a hanging delivery when the users service closes, and sends it again after the restart', async () => {
    const partner = await createPartner('slowpoke');
    const receiver = await new Receiver((index) => (index === 0 ? 'hang' : 200)).start();
    receivers.push(receiver);
    await registerWebhook(partner.partnerId, receiver);
    const orderId = await partner.placeOrder('webhook-order-hang');
    await eventually(
      async () => receiver.requests.length,
      (count) => count === 1,
      SETTLE_MS,
    );
    // The POST hangs for the 60 s timeout unless closing cuts it short; the jest timeout bounds this.
    await t.platform.restartSubgraph('users');
    const accepted = await eventually(
      async () => receiver.accepted(orderId),
      (requests) => requests.length === 1,
      SETTLE_MS,
    );
    expect(accepted[0].eventId).toBe(receiver.requests[0].eventId);
    const { lines } = await eventually(
      () => cli('deliveries', partner.partnerId),
      (listing) => listing.lines.some((line) => line.includes('DELIVERED')),
      SETTLE_MS,
    );
    // The interrupted attempt was handed back uncounted.
    expect(lines.find((line) => line.includes('DELIVERED'))).toMatch(/order\.placed\s+DELIVERED\s+1\s/);
  }, 40_000);

  it('refuses bad URLs, unknown partners and non-admins', async () => {
    const partner = await createPartner('careful');
    const admin = t.client(adminToken);
    const SET = gql`
      mutation ($partnerId: ID!, $url: String!) {
        setPartnerWebhook(partnerId: $partnerId, url: $url) {
          secret
        }
      }
    `;
    for (const url of ['ftp://partner.example/hooks', 'https://user:secret@partner.example/hooks', 'nonsense']) {
      const [error] = await graphqlErrors(admin.request(SET, { partnerId: partner.partnerId, url }));
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const [missing] = await graphqlErrors(admin.request(SET, { partnerId: crypto.randomUUID(), url: 'https://partner.example/hooks' }));
    expect(missing.extensions?.code).toBe('NOT_FOUND');
    const [forbidden] = await graphqlErrors(
      t.client(partner.token).request(SET, { partnerId: partner.partnerId, url: 'https://partner.example/hooks' }),
    );
    expect(forbidden.extensions?.code).toBe('FORBIDDEN');
    const [unknown] = await graphqlErrors(admin.request('mutation { replayWebhookDelivery(id: "nope") { id } }'));
    expect(unknown.extensions?.code).toBe('NOT_FOUND');
    const { code, lines } = await cli('webhook', partner.partnerId, 'ftp://partner.example/hooks');
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('BAD_USER_INPUT');
  });
});
