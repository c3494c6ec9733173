/**
 * Per-operation limits at the gateway, on the real platform: for each limit an operation just
 * under it runs, and one just over it is refused with LIMIT_EXCEEDED, HTTP 400 and a message that
 * names the limit and the value, before anything executes. The documentation's own queries and the IDE's
 * introspection stay under the defaults; subscriptions over WebSocket get the same limits without
 * losing their socket.
 */
import fs from 'node:fs';
import { getIntrospectionQuery, Kind, Lexer, parse, Source, TokenKind } from 'graphql';
import { DEFAULT_QUERY_LIMITS, MAX_QUERY_TOKENS } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { fromRoot } from '../platform/paths';
import { checkOperation } from '../gateway/plugins/operation/query-limits/limits';
import { startGateway, type RunningGateway } from '../gateway/server';
import { FederatedPlanner } from '../gateway/pipeline/planner';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { startTestPlatform, type TestPlatform } from './support/platform';
import { eventually } from './support/eventually';
import { collect, wsClient } from './support/subscriptions';

const apiSchema = new FederatedPlanner(fs.readFileSync(SUPERGRAPH_SDL, 'utf8')).apiGraphQLSchema;

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const countTokens = (query: string) => {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
};

/** Fields nested exactly `depth` levels deep: the prefix, then similar → product → similar → … */
function nested(prefix: string[], depth: number): string {
  const path = [...prefix];
  // After node or product the type is Product; after similar or items it is Recommendation.
  const onProduct = () => /^(node|product)$/.test(path[path.length - 1]);
  while (path.length < depth - 1) path.push(onProduct() ? 'similar(first: 1)' : 'product');
  const leaf = onProduct() ? 'id' : 'score';
  return path.reduceRight((inner, field) => `${field} { ${inner} }`, leaf);
}

const queryOfDepth = (depth: number) => `{ ${nested(['products(first: 1)', 'edges', 'node'], depth)} }`;
const subscriptionOfDepth = (depth: number) =>
  `subscription { ${nested(['recommendationsUpdated(userId: "user-0001")', 'items', 'product'], depth)} }`;

/** A valid query of exactly `tokens` lexical tokens: __typename fields spread over four selection sets. */
function queryOfTokens(tokens: number): string {
  const sets = ['', '', '', ''];
  const build = () => `{ ${sets[0]} products(first: 1) { ${sets[1]} edges { ${sets[2]} node { ${sets[3]} id } } } }`;
  for (let i = 0; countTokens(build()) < tokens; i++) sets[i % 4] += '__typename ';
  return build();
}

const aliases = (count: number) =>
  `{ ${Array.from({ length: count }, (_, i) => `p${i}: products(first: 1) { edges { node { id } } }`).join(' ')} }`;
const directives = (count: number) =>
  `{ products(first: 1) { edges { node { ${Array.from({ length: count }, () => 'id @include(if: true)').join(' ')} } } } }`;
// similar(first: n) { score } = 2n; node 2n + 1; edges 2n + 2; products(first: 1000) = 1000 × (2n + 3).
const costly = (similar: number) => `{ products(first: 1000) { edges { node { similar(first: ${similar}) { score } } } } }`;

describe('query limits at the gateway', () => {
  let t: TestPlatform;
  let token: string;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 19, users: 5, products: 40, orders: 20 }, { config: { queryLimits: DEFAULT_QUERY_LIMITS } });
    token = await t.token('user-0001');
  });

  afterAll(() => t?.close());

  const post = async (query: string, variables?: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };

  const expectRunsUnderLimits = async (query: string) => {
    const answer = await post(query);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeTruthy();
  };

  const expectRefused = async (query: string, limit: string, message: string) => {
    const answer = await post(query);
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0].message).toBe(message);
    expect(answer.body.errors![0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', queryLimit: limit });
  };

  it('runs a query of depth 15 and refuses depth 16', async () => {
    await expectRunsUnderLimits(queryOfDepth(15));
    await expectRefused(queryOfDepth(16), 'depth', 'Query depth 16 exceeds the limit of 15');
  });

  it('runs 15 aliases and refuses 16', async () => {
    await expectRunsUnderLimits(aliases(15));
    await expectRefused(aliases(16), 'aliases', 'Query alias count 16 exceeds the limit of 15');
  });

  it('runs 50 directives and refuses 51', async () => {
    await expectRunsUnderLimits(directives(50));
    await expectRefused(directives(51), 'directives', 'Query directive count 51 exceeds the limit of 50');
  });

  it('runs 1,000 tokens and refuses 1,001 while parsing', async () => {
    expect(countTokens(queryOfTokens(1000))).toBe(1000);
    expect(countTokens(queryOfTokens(1001))).toBe(1001);
    await expectRunsUnderLimits(queryOfTokens(1000));
    await expectRefused(queryOfTokens(1001), 'tokens', 'Query token count exceeds the limit of 1000 (parsing stopped at token 1001)');
  });

  it('runs a cost of 49,000 and refuses 51,000', async () => {
    await expectRunsUnderLimits(costly(23));
    await expectRefused(costly(24), 'cost', 'Query cost 51000 exceeds the limit of 50000');
    // Again: the verdict is remembered for this document and these variables, and still holds.
    await expectRunsUnderLimits(costly(23));
    await expectRefused(costly(24), 'cost', 'Query cost 51000 exceeds the limit of 50000');
  });

  it('prices page sizes given in variables', async () => {
    const query = 'query ($n: Int!) { products(first: 1000) { edges { node { similar(first: $n) { score } } } } }';
    const answer = await post(query, { n: 24 });
    expect(answer.status).toBe(400);
    expect(answer.body.errors![0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', queryLimit: 'cost', value: 51_000 });
  });

  it('refuses the 120-byte query that held the event loop for 10 s, before any subgraph sees it', async () => {
    const query = '{products(first:1000){edges{node{similar(first:100){product{name similar(first:100){score}}}}}}}';
    expect(Buffer.byteLength(query)).toBeLessThanOrEqual(120);
    const before = { ...t.platform.queryCounts };
    await expectRefused(query, 'cost', 'Query cost 20303000 exceeds the limit of 50000');
    expect(t.platform.queryCounts.products).toBe(before.products);
    expect(t.platform.queryCounts.recommendations).toBe(before.recommendations);
  });

  it("refuses the tester's depth 50 and 10,000 aliases", async () => {
    await expectRefused(queryOfDepth(50), 'depth', 'Query depth 50 exceeds the limit of 15');
    const manyAliases = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: products(first: 1) { edges { cursor } }`).join(' ')} }`;
    await expectRefused(manyAliases, 'tokens', 'Query token count exceeds the limit of 1000 (parsing stopped at token 1001)');
  });

  it('refuses 5,000 chained fragments with a 400, not a server error', async () => {
    let query = '{ ...A0 } ';
    for (let i = 0; i < 5000; i++) query += `fragment A${i} on Query { ${i < 4999 ? `...A${i + 1}` : '__typename'} } `;
    await expectRefused(query, 'tokens', 'Query token count exceeds the limit of 1000 (parsing stopped at token 1001)');
  });

  it('refuses fragments that double at every level, counted without expanding them', async () => {
    let query = '{ ...F0 } ';
    for (let i = 0; i < 40; i++) query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} } `;
    query += 'fragment F40 on Query { __typename }';
    await expectRefused(
      query,
      'fragments',
      'Query fragment spread count exceeds the limit of 2000 (every spread counted where it is expanded)',
    );
  });

  it("runs the documentation's example queries and the IDE's introspection", async () => {
    const pages = ['README.md', ...fs.readdirSync(fromRoot('docs')).map((name) => `docs/${name}`)].filter((page) => page.endsWith('.md'));
    const blocks = pages.flatMap((page) =>
      [...fs.readFileSync(fromRoot(page), 'utf8').matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]),
    );
    // Schema examples (a subgraph's SDL, such as @listSize's) are documents too, but nothing to run.
    const operations = blocks.filter((block) =>
      parse(block).definitions.every(({ kind }) => kind === Kind.OPERATION_DEFINITION || kind === Kind.FRAGMENT_DEFINITION),
    );
    const queries = operations.filter((block) => !block.trimStart().startsWith('subscription'));
    const subscriptions = operations.filter((block) => block.trimStart().startsWith('subscription'));
    expect(queries.length).toBeGreaterThan(0);
    expect(subscriptions.length).toBeGreaterThan(0);
    for (const query of queries) await expectRunsUnderLimits(query);
    for (const subscription of subscriptions) {
      expect(checkOperation(DEFAULT_QUERY_LIMITS, apiSchema, { query: subscription })).toHaveProperty('document');
    }
    await expectRunsUnderLimits(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true }));
  });

  it('counts refusals by limit in gateway_query_limit_rejections_total', async () => {
    const metrics = await (await fetch(t.url.replace(/\/graphql$/, '/metrics'))).text();
    for (const limit of ['tokens', 'depth', 'aliases', 'directives', 'fragments', 'cost']) {
      expect(metrics).toMatch(new RegExp(`^gateway_query_limit_rejections_total\\{limit="${limit}"\\} [1-9]`, 'm'));
    }
  });

  it('answers a subscription over the limits with an error for that operation and keeps the socket', async () => {
    let closed = false;
    const client = wsClient(t.url, token, () => (closed = true));
    try {
      // A subscription within the limits holds the socket open (graphql-ws clients close an idle one).
      const watching = collect(client, 'subscription { recommendationsUpdated(userId: "user-0001") { trigger } }');
      await eventually(
        async () => t.platform.gateway.hub.activeSubscriptions,
        (count) => count === 1,
        30_000,
      );
      const refused = collect(client, subscriptionOfDepth(16));
      await eventually(async () => refused.completed, Boolean, 30_000);
      expect(refused.results).toEqual([]);
      expect(refused.error).toEqual([
        expect.objectContaining({
          message: 'Query depth 16 exceeds the limit of 15',
          extensions: expect.objectContaining({ code: 'LIMIT_EXCEEDED' }),
        }),
      ]);
      const tooManyTokens = collect(client, `subscription { recommendationsUpdated(userId: "user-0001") { ${'trigger '.repeat(1000)} } }`);
      await eventually(async () => tooManyTokens.completed, Boolean, 30_000);
      expect(tooManyTokens.error).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ queryLimit: 'tokens' }) })]);
      // The same socket still runs operations.
      const query = collect<{ __typename: string }>(client, '{ __typename }');
      expect((await query.next(() => true, 60_000)).data).toEqual({ __typename: 'Query' });
      expect(closed).toBe(false);
      expect(watching.completed).toBe(false);
      expect(t.platform.gateway.hub.activeSubscriptions).toBe(1);
      watching.stop();
    } finally {
      await client.dispose();
    }
  });
});

describe('query limits with the token limit at its ceiling', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Nothing listens on port 9: these operations must be refused or answered by the gateway alone.
    const nowhere = 'http://127.0.0.1:9/graphql';
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: 'query-limits-test',
      internalSecret: 'query-limits-test-internal',
      subgraphUrls: { users: nowhere, products: nowhere, orders: nowhere, payments: nowhere, recommendations: nowhere },
      subscriptionLimits: { perConnection: 1, total: 1 },
      queryLimits: { ...DEFAULT_QUERY_LIMITS, tokens: MAX_QUERY_TOKENS },
      subgraphTimeoutMs: 30_000,
      log: serviceLogger('gateway'),
    });
  });

  afterAll(() => gateway?.close());

  it('answers the longest chain of fragments it admits without a server error', async () => {
    let query = '{ ...A0 } ';
    const length = Math.floor((MAX_QUERY_TOKENS - 10) / 8); // 8 tokens a fragment
    for (let i = 0; i < length; i++) query += `fragment A${i} on Query { ${i < length - 1 ? `...A${i + 1}` : '__typename'} } `;
    expect(countTokens(query)).toBeGreaterThan(MAX_QUERY_TOKENS - 16);
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as Answer['body'];
    expect({ status: response.status, body }).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});
