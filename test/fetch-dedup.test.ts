/**
 * In-flight deduplication of subgraph fetches (gateway/plugins/subgraph-fetch/dedup) on the real
 * platform: two gateways, one with it and one without, whose subgraph traffic passes a real HTTP
 * hop that counts what reaches each subgraph and holds its requests until the test lets them go,
 * so "at the same time" is certain, not hoped for. Clients are real GraphQL clients over HTTP.
 */
import { GraphQLClient } from 'graphql-request';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway/server';
import { ENTITY_CACHE_DEFAULTS, loadConfig } from '../platform/config';
import { rootLogger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { eventually } from './support/eventually';
import { metricValue } from './support/metrics';
import { graphqlErrors, startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';
import { startSubgraphGate, type SubgraphGate } from './support/subgraph-gate';

const SERIES = 'gateway_subgraph_fetches_deduplicated_total';
/** users → orders → products: the shared users fetch is merged into by the fetches after it. */
const DASHBOARD = `query Dashboard { me { id email orders(first: 3) { edges { node { id items { productId product { name } } } } } } }`;
const ME = 'query Me { me { id email } }';
/** The most a users fetch may take through the gateway with deduplication on. */
const USERS_TIMEOUT_MS = 2_000;

type Me = { me: { id: string; email: string } | null };

describe('fetch deduplication', () => {
  let t: TestPlatform;
  let gate: SubgraphGate;
  let on: RunningGateway;
  let off: RunningGateway;
  let ada: string;

  beforeAll(async () => {
    // Cached answers never reach a subgraph: the cache would hide what is counted here.
    const noCache = { ...ENTITY_CACHE_DEFAULTS, enabled: false };
    t = await startTestPlatform(undefined, { config: { entityCache: noCache } });
    gate = await startSubgraphGate(
      Object.fromEntries(Object.entries(t.platform.subgraphs).map(([name, running]) => [name, running.url])) as Record<
        SubgraphName,
        string
      >,
    );
    const config = loadConfig();
    const gateway = (name: string, options: Partial<GatewayOptions>) =>
      startGateway({
        port: 0,
        host: '127.0.0.1',
        jwtSecret: TEST_JWT_SECRET,
        internalSecret: 'integration-test-internal-secret',
        subgraphUrls: gate.urls,
        subscriptionLimits: config.subscriptionLimits,
        subgraphTimeoutMs: config.subgraphTimeoutMs,
        entityCache: noCache,
        log: rootLogger.child({ service: name }),
        ...options,
      });
    on = await gateway('gateway-dedup-on', { subgraphTimeoutsMs: { users: USERS_TIMEOUT_MS } });
    off = await gateway('gateway-dedup-off', { deduplicateFetches: false });
    ada = await t.token('user-0001');
  }, 120_000);

  afterAll(async () => {
    await on?.close();
    await off?.close();
    await gate?.close();
    await t?.close();
  });

  const client = (gateway: RunningGateway, token: string) =>
    new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${token}` } });
  const shared = (subgraph: SubgraphName) => metricValue(t.url, SERIES, { subgraph });
  /** Resolves once `subgraph` has been asked `count` times in all (within 5 s; the assertions after say whether it was). */
  const asked = (subgraph: SubgraphName, count: number) =>
    eventually(
      async () => gate.received(subgraph),
      (value) => value >= count,
    );

  it('asks the subgraph once for identical queries of one viewer in flight together, and counts the two that waited', async () => {
    const before = { users: gate.received('users'), shared: await shared('users') };
    gate.hold('users');
    const first = client(on, ada).request(DASHBOARD);
    await asked('users', before.users + 1);
    const others = [client(on, ada).request(DASHBOARD), client(on, ada).request(DASHBOARD)];
    await eventually(
      () => shared('users'),
      (value) => value >= before.shared + 2,
    );
    gate.release('users');
    const answers = await Promise.all([first, ...others]);
    expect(gate.received('users') - before.users).toBe(1);
    expect((await shared('users')) - before.shared).toBe(2);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ me: { id: 'user-0001' } });
    // What the users subgraph says alone, asked by itself afterwards.
    expect(answers[0]).toEqual(await client(on, ada).request(DASHBOARD));
  });

  it("never gives one viewer another's answer: the same query from two viewers at once is asked twice", async () => {
    const bob = await t.token('user-0002');
    const before = { users: gate.received('users'), shared: await shared('users') };
    gate.hold('users');
    const answers = [client(on, ada).request<Me>(ME), client(on, bob).request<Me>(ME)];
    await asked('users', before.users + 2);
    gate.release('users');
    const [forAda, forBob] = await Promise.all(answers);
    expect(forAda.me?.id).toBe('user-0001');
    expect(forBob.me?.id).toBe('user-0002');
    expect(forBob.me?.email).not.toBe(forAda.me?.email);
    expect(gate.received('users') - before.users).toBe(2);
    expect((await shared('users')) - before.shared).toBe(0);
  });

  it("never shares a mutation's fetches, not even the query fetches that complete its answer", async () => {
    const { products } = await client(on, ada).request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(
      '{ products(first: 50) { edges { node { id stock } } } }',
    );
    const productId = products.edges.find((edge) => edge.node.stock > 10)!.node.id;
    const order = (key: string) =>
      client(on, ada).request<{ placeOrder: { items: { product: { name: string } }[] } }>(
        'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id items { product { name } } } }',
        { input: { idempotencyKey: key, items: [{ productId, quantity: 1 }] } },
      );
    const before = { products: gate.received('products'), shared: await shared('products') };
    // Both orders' products are completed by the same _entities fetch, for the same viewer.
    gate.hold('products');
    const orders = [order(`fetch-dedup-${Date.now()}-a`), order(`fetch-dedup-${Date.now()}-b`)];
    await asked('products', before.products + 2);
    gate.release('products');
    const [a, b] = await Promise.all(orders);
    expect(a.placeOrder.items[0].product.name).toBe(b.placeOrder.items[0].product.name);
    expect(gate.received('products') - before.products).toBe(2);
    expect((await shared('products')) - before.shared).toBe(0);
  });

  it('merges nothing with the switch off', async () => {
    const before = { users: gate.received('users'), shared: await shared('users') };
    gate.hold('users');
    const answers = [client(off, ada).request<Me>(ME), client(off, ada).request<Me>(ME)];
    await asked('users', before.users + 2);
    gate.release('users');
    const [first, second] = await Promise.all(answers);
    expect(second).toEqual(first);
    expect(gate.received('users') - before.users).toBe(2);
    expect((await shared('users')) - before.shared).toBe(0);
  });

  it("fails every waiting query the way the shared fetch failed: the subgraph's 5xx is each one's SERVICE_UNAVAILABLE", async () => {
    const before = { users: gate.received('users'), shared: await shared('users') };
    gate.hold('users');
    const first = graphqlErrors(client(on, ada).request(ME));
    await asked('users', before.users + 1);
    const second = graphqlErrors(client(on, ada).request(ME));
    await eventually(
      () => shared('users'),
      (value) => value >= before.shared + 1,
    );
    gate.release('users', (res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('draining'));
    const [leader, follower] = await Promise.all([first, second]);
    expect(gate.received('users') - before.users).toBe(1);
    expect(leader).toEqual([
      expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'http_5xx' }) }),
    ]);
    expect(follower).toEqual(leader);
  });

  it('never keeps a waiting query longer than its own fetch could take: both time out when the shared fetch does', async () => {
    const before = { users: gate.received('users'), shared: await shared('users') };
    gate.hold('users'); // and never answered
    const timed = async () => {
      const started = performance.now();
      const errors = await graphqlErrors(client(on, ada).request(ME));
      return { errors, ms: performance.now() - started };
    };
    const first = timed();
    await asked('users', before.users + 1);
    // The second asks well after the first, so it waits less than a timeout of its own.
    await new Promise((resolve) => setTimeout(resolve, USERS_TIMEOUT_MS / 4));
    const second = timed();
    await eventually(
      () => shared('users'),
      (value) => value >= before.shared + 1,
    );
    const [leader, follower] = await Promise.all([first, second]);
    gate.release('users', (res) => res.destroy());
    expect(gate.received('users') - before.users).toBe(1);
    for (const { errors } of [leader, follower]) {
      expect(errors).toEqual([
        expect.objectContaining({ path: ['me'], extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'timeout' }) }),
      ]);
    }
    expect(leader.ms).toBeGreaterThanOrEqual(USERS_TIMEOUT_MS);
    expect(follower.ms).toBeLessThan(USERS_TIMEOUT_MS);
  });
});
