/**
 * Single-fetch operations answered with the subgraph's data as is (gateway/plugins/plan/single-fetch.ts) must
 * answer exactly what Apollo's executor answers: the same platform's subgraphs behind two real
 * gateways, one with the shortcut and one without, asked the same operations over HTTP.
 */
import { startGateway, type RunningGateway } from '../gateway/server';
import { ENTITY_CACHE_DEFAULTS, loadConfig } from '../platform/config';
import { rootLogger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { metricValue } from './support/metrics';
import { startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';

const SERIES = 'gateway_single_fetch_operations_total';

describe('single-fetch operations', () => {
  let test: TestPlatform;
  let apolloOnly: RunningGateway;
  let token: string;

  beforeAll(async () => {
    // Both gateways read the subgraphs on every request: cached answers would hide a difference.
    test = await startTestPlatform(undefined, { config: { entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false } } });
    const urls = Object.fromEntries(Object.entries(test.platform.subgraphs).map(([name, running]) => [name, running.url]));
    const config = loadConfig();
    apolloOnly = await startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: TEST_JWT_SECRET,
      internalSecret: 'integration-test-internal-secret',
      subgraphUrls: urls as Record<SubgraphName, string>,
      subscriptionLimits: config.subscriptionLimits,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false },
      singleFetchAnswers: false,
      log: rootLogger.child({ service: 'gateway-apollo-only' }),
    });
    token = await test.token('user-0001');
  }, 120_000);

  afterAll(async () => {
    await apolloOnly?.close();
    await test?.close();
  });

  const ask = async (url: string, query: string, variables?: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, text: await response.text() };
  };

  /** Both gateways' answers (identical, to the byte) and how the shortcut counted the operation. */
  const both = async (query: string, variables?: Record<string, unknown>) => {
    const before = {
      direct: await metricValue(test.url, SERIES, { outcome: 'direct' }),
      shaped: await metricValue(test.url, SERIES, { outcome: 'shaped' }),
    };
    const mine = await ask(test.url, query, variables);
    const apollo = await ask(apolloOnly.url, query, variables);
    expect(mine).toEqual(apollo);
    const counted = {
      direct: (await metricValue(test.url, SERIES, { outcome: 'direct' })) - before.direct,
      shaped: (await metricValue(test.url, SERIES, { outcome: 'shaped' })) - before.shaped,
    };
    return { body: JSON.parse(mine.text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] }, counted };
  };

  it('answers a catalogue page with the subgraph data, byte for byte what Apollo shapes', async () => {
    const { body, counted } = await both(
      `{ products(first: 5) { edges { cursor node { id name category description price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(JSON.stringify(body.data)).toContain('"edges"');
    expect(counted).toEqual({ direct: 1, shaped: 0 });
  });

  it('keeps aliases, variables, @include/@skip and fragments inside fields alike', async () => {
    const query = `query Page($n: Int!, $withStock: Boolean!, $search: String) {
      first: products(first: $n, search: $search) { edges { node { ...Card sku: id stock @include(if: $withStock) } } }
      more: products(first: 2) { edges { node { name @skip(if: $withStock) } } }
    }
    fragment Card on Product { id title: name price { amount } }`;
    for (const withStock of [true, false]) {
      const { counted } = await both(query, { n: 3, withStock, search: 'a' });
      expect(counted).toEqual({ direct: 1, shaped: 0 });
    }
  });

  it("leaves a selection the planner reorders to Apollo's executor, which answers in the client's order", async () => {
    // The planner puts conditional fields last in its fetch; the client asked for `stock` before `sku`.
    const query = `query ($withStock: Boolean!) { products(first: 3) { edges { node { id stock @include(if: $withStock) sku: id } } } }`;
    const { body, counted } = await both(query, { withStock: true });
    expect(JSON.stringify(body)).toMatch(/"stock":\d+,"sku"/);
    expect(counted).toEqual({ direct: 0, shaped: 0 });
  });

  it("shapes a subgraph's error answer through Apollo's executor, from the same answer", async () => {
    const { body, counted } = await both(`{ products(first: 2, after: "not-a-cursor") { edges { node { id } } } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(counted).toEqual({ direct: 0, shaped: 1 });
  });

  it("leaves operations the gateway must shape or answer itself to Apollo's executor", async () => {
    const operations = [
      // Root __typename and introspection are the gateway's own.
      `{ __typename products(first: 1) { edges { node { id } } } }`,
      `{ __type(name: "Product") { name } products(first: 1) { edges { node { id } } } }`,
      // More than one subgraph.
      `{ me { name orders(first: 2) { edges { node { id items { product { name } } } } } } }`,
      // A named fragment at the root.
      `query { ...Root } fragment Root on Query { products(first: 1) { edges { node { id } } } }`,
    ];
    for (const query of operations) {
      const { body, counted } = await both(query);
      expect(body.errors).toBeUndefined();
      expect(counted).toEqual({ direct: 0, shaped: 0 });
    }
  });

  it('answers a product that does not exist with null, as Apollo does', async () => {
    const { body, counted } = await both(`query ($id: ID!) { product(id: $id) { id name } }`, { id: 'no-such-product' });
    expect(body).toEqual({ data: { product: null } });
    expect(counted).toEqual({ direct: 1, shaped: 0 });
  });
});
