/**
 * Per-client rate limits at the gateway, on real servers with a small limit: 429 with Retry-After
 * and RATE_LIMITED past it, RateLimit-* headers on every answer, one budget per user (anonymous
 * clients by IP), WebSocket connections and subscribe messages counted too, health and metrics never
 * limited. Where REDIS_URL is set: two gateway replicas share one budget through Redis, and a
 * replica whose Redis goes away (a proxy we stop; the shared Redis is never touched) keeps serving
 * with per-process limits.
 */
import net from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import type Redis from 'ioredis';
import WebSocket from 'ws';
import { startGateway, type RunningGateway } from '../gateway/server';
import { rootLogger } from '../platform/logger';
import { rateLimitRejections } from '../platform/metrics';
import { closeRedis, openRedis } from '../platform/redis';
import type { SubgraphName } from '../platform/services';
import { eventually } from './support/eventually';
import { deleteNamespace, startRedisProxy } from './support/redis-proxy';
import { startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';
import { wsClient } from './support/subscriptions';

const withRedis = process.env.REDIS_URL ? it : it.skip;
const LIMIT = 5;
// A window far longer than any test run: counts never reset in the middle of a test.
const WINDOW_S = 3600;
// Redis on a loaded test machine may answer late; here a late answer must not move a count to memory.
const SETTINGS = { enabled: true, points: LIMIT, windowSeconds: WINDOW_S, redisTimeoutMs: 10_000 };
const QUERY = JSON.stringify({ query: '{ __typename }' });

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: QUERY,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

type OperationResult = { data?: unknown; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };

/** Runs one operation over a graphql-ws client: its result, its errors, or the close event that ended the socket. */
function operation(client: Client, query = '{ __typename }'): Promise<OperationResult> {
  return new Promise((resolve, reject) => {
    let result: OperationResult = {};
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as OperationResult),
        // graphql-ws hands an operation's errors to error() as an array; anything else ended the socket.
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(result),
      },
    );
  });
}

async function rejectedSoFar(transport: string): Promise<number> {
  const metric = await rateLimitRejections.get();
  return metric.values.find((value) => value.labels.transport === transport)?.value ?? 0;
}

/** A port nothing listens on: a Redis that is down from the start. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('rate limits at the gateway', () => {
  let t: TestPlatform;
  const extraGateways: RunningGateway[] = [];

  const replica = (redisUrl: string | undefined) =>
    startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: TEST_JWT_SECRET,
      internalSecret: t.platform.config.internalSecret,
      subscriptionLimits: t.platform.config.subscriptionLimits,
      subgraphTimeoutMs: t.platform.config.subgraphTimeoutMs,
      subgraphUrls: Object.fromEntries(Object.entries(t.platform.subgraphs).map(([name, subgraph]) => [name, subgraph.url])) as Record<
        SubgraphName,
        string
      >,
      rateLimit: SETTINGS,
      redisUrl,
      redisNamespace: t.eventNamespace,
      log: rootLogger,
    }).then((gateway) => (extraGateways.push(gateway), gateway));

  let inspector: Redis | undefined;
  const prefix = () => `${t.eventNamespace}:gateway-rate-limit`;

  /**
   * Until its Redis connection is ready a gateway counts in memory (so a Redis that is slow to
   * come up never holds requests). Where the test counts in Redis it first waits until a probe
   * request of the gateway's shows up there.
   */
  async function countingInRedis(url: string, probe: string): Promise<void> {
    const token = await t.token(probe);
    const exists = await eventually(
      async () => (await post(url, token), inspector!.exists(`${prefix()}:user:${probe}`)),
      (count) => count === 1,
      20_000,
    );
    expect(exists).toBe(1);
  }

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 17, users: 20, products: 60, orders: 40 }, { config: { rateLimit: SETTINGS } });
    if (process.env.REDIS_URL) {
      inspector = openRedis(process.env.REDIS_URL, { role: 'test inspector', log: rootLogger });
      await countingInRedis(t.url, 'probe-a');
    }
  });

  afterAll(async () => {
    for (const gateway of extraGateways) await gateway.close();
    if (inspector) {
      // This file's keys only (its own namespace); never anything else in the shared Redis.
      await deleteNamespace(process.env.REDIS_URL!, prefix());
      await closeRedis(inspector);
    }
    await t?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After past the limit, and RateLimit-* headers on every answer', async () => {
    const token = await t.token('user-0001');
    const rejectedBefore = await rejectedSoFar('http');
    for (let i = 1; i <= LIMIT; i++) {
      const answer = await post(t.url, token);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBe(String(LIMIT));
      expect(answer.headers.get('ratelimit-remaining')).toBe(String(LIMIT - i));
      expect(Number(answer.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(answer.headers.get('ratelimit-policy')).toBe(`${LIMIT};w=${WINDOW_S}`);
      expect(answer.headers.get('retry-after')).toBeNull();
    }
    const refused = await post(t.url, token);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_S);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining(`at most ${LIMIT} requests per ${WINDOW_S} s`),
        extensions: { code: 'RATE_LIMITED', retryAfter },
      }),
    ]);
    expect(await rejectedSoFar('http')).toBe(rejectedBefore + 1);
  });

  it("keeps one user's burst from limiting another user", async () => {
    const greedy = await t.token('user-0002');
    for (let i = 0; i <= LIMIT; i++) await post(t.url, greedy);
    expect((await post(t.url, greedy)).status).toBe(429);

    const other = await post(t.url, await t.token('user-0003'));
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
  });

  it('counts anonymous clients, and clients with a bad token, by IP; health and metrics are never limited', async () => {
    for (let i = 0; i < LIMIT - 1; i++) expect((await post(t.url)).status).toBe(200);
    // A bad token identifies nobody: it spends the IP's budget and is refused as before.
    const badToken = await post(t.url, 'not-a-token');
    expect(badToken.status).toBe(401);
    expect(badToken.headers.get('ratelimit-remaining')).toBe('0');
    expect((await post(t.url)).status).toBe(429);
    // Signed-in users behind the same address have budgets of their own.
    expect((await post(t.url, await t.token('user-0004'))).status).toBe(200);

    const origin = t.url.replace(/\/graphql$/, '');
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    }
  });

  it('counts WebSocket connections and every subscribe message against the same budget', async () => {
    const token = await t.token('user-0005');
    const rejectedBefore = await rejectedSoFar('websocket');
    const closes: number[] = [];
    // Not lazy: one socket for all operations (a lazy client reconnects, and pays, per operation).
    const client = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: 0,
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    // The connection costs one request; then LIMIT - 1 operations fit.
    for (let i = 0; i < LIMIT - 1; i++) expect(await operation(client)).toEqual({ data: { __typename: 'Query' } });
    const refused = await operation(client);
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    // The socket itself stays up for the client's other subscriptions.
    expect(closes).toEqual([]);
    await client.dispose();

    // A new connection of the same user is refused with 4429 before the ack.
    const second = wsClient(t.url, token);
    await expect(operation(second)).rejects.toMatchObject({ code: 4429, reason: expect.stringContaining('Rate limit exceeded') });
    await second.dispose();
    expect(await rejectedSoFar('websocket')).toBe(rejectedBefore + 2);
  });

  it('limits per process, and keeps serving, when Redis is down from the start', async () => {
    const gateway = await replica(`redis://127.0.0.1:${await deadPort()}`);
    const token = await t.token('user-0006');
    for (let i = 0; i < LIMIT; i++) expect((await post(gateway.url, token)).status).toBe(200);
    const refused = await post(gateway.url, token);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  withRedis('shares one budget between two replicas through Redis, and keeps serving when Redis goes away', async () => {
    const proxy = await startRedisProxy(process.env.REDIS_URL!);
    try {
      // Replica A (the platform's) reaches Redis directly, replica B through the proxy; same namespace.
      const b = await replica(proxy.url);
      await countingInRedis(b.url, 'probe-b');

      const token = await t.token('user-0007');
      for (let i = 0; i < 3; i++) expect((await post(t.url, token)).status).toBe(200);
      const onB = await post(b.url, token);
      expect(onB.status).toBe(200);
      expect(onB.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 4));
      expect((await post(b.url, token)).status).toBe(200);
      expect((await post(t.url, token)).status).toBe(429);
      expect((await post(b.url, token)).status).toBe(429);

      // Redis goes away under replica B: it keeps answering, with limits counted in its own memory.
      await proxy.stop();
      const other = await t.token('user-0008');
      for (let i = 0; i < LIMIT; i++) expect((await post(b.url, other)).status).toBe(200);
      expect((await post(b.url, other)).status).toBe(429);
    } finally {
      await proxy.stop();
    }
  });
});
