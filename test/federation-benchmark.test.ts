/**
 * The public federation gateways benchmark's query (bench/federation/) over its four subgraphs,
 * answered by the project's gateway with its default query limits and by plain `@apollo/gateway`:
 * the two answers must be the same bytes. single-fetch.test.ts's method, for a plan of 16 fetches
 * across four subgraphs (entities, `@requires`, `@provides`, nested lists). Also checks that the
 * re-created subgraphs compose into the benchmark's own supergraph and answer what its k6 script expects.
 */
import { parse, print, type DefinitionNode } from 'graphql';
import { startPlainApolloGateway } from '../bench/federation/gateways';
import { startProjectGateway, type RunningBenchGateway } from '../bench/federation/project-gateway';
import { BENCHMARK_BODY } from '../bench/federation/query';
import { startBenchmarkSubgraphs, type RunningBenchmarkSubgraphs } from '../bench/federation/server';
import { composeBenchmarkSupergraph } from '../bench/federation/supergraph';
import { DEFAULT_QUERY_LIMITS, ENTITY_CACHE_DEFAULTS } from '../platform/config';
import { rootLogger } from '../platform/logger';

/**
 * The types of the benchmark's published supergraph (federation/gateways/hive-gateway/supergraph.graphql in
 * graphql-hive/graphql-gateways-benchmark, MIT License, Copyright (c) 2023 The Guild).
 */
const BENCHMARK_SUPERGRAPH_TYPES = `
type Product
  @join__type(graph: INVENTORY, key: "upc")
  @join__type(graph: PRODUCTS, key: "upc")
  @join__type(graph: REVIEWS, key: "upc") {
  upc: String!
  weight: Int @join__field(graph: INVENTORY, external: true) @join__field(graph: PRODUCTS)
  price: Int @join__field(graph: INVENTORY, external: true) @join__field(graph: PRODUCTS)
  inStock: Boolean @join__field(graph: INVENTORY)
  shippingEstimate: Int @join__field(graph: INVENTORY, requires: "price weight")
  name: String @join__field(graph: PRODUCTS)
  reviews: [Review] @join__field(graph: REVIEWS)
}

type Query @join__type(graph: ACCOUNTS) @join__type(graph: INVENTORY) @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  me: User @join__field(graph: ACCOUNTS)
  user(id: ID!): User @join__field(graph: ACCOUNTS)
  users: [User] @join__field(graph: ACCOUNTS)
  topProducts(first: Int = 5): [Product] @join__field(graph: PRODUCTS)
}

type Review @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  body: String
  product: Product
  author: User @join__field(graph: REVIEWS, provides: "username")
}

type User @join__type(graph: ACCOUNTS, key: "id") @join__type(graph: REVIEWS, key: "id") {
  id: ID!
  name: String @join__field(graph: ACCOUNTS)
  username: String @join__field(graph: ACCOUNTS) @join__field(graph: REVIEWS, external: true)
  birthday: Int @join__field(graph: ACCOUNTS)
  reviews: [Review] @join__field(graph: REVIEWS)
}`;

interface Answer {
  data: {
    users: { id: string; reviews: { product: { upc: string; shippingEstimate: number | null; reviews: unknown[] } }[] }[];
    topProducts: { upc: string; name: string; inStock: boolean; reviews: { id: string }[] }[];
  };
  errors?: unknown[];
}

describe('the federation gateways benchmark', () => {
  let subgraphs: RunningBenchmarkSubgraphs;
  let supergraphSdl: string;
  let project: RunningBenchGateway;
  let apollo: RunningBenchGateway;

  beforeAll(async () => {
    subgraphs = await startBenchmarkSubgraphs();
    supergraphSdl = composeBenchmarkSupergraph(subgraphs.urls);
    project = await startProjectGateway(supergraphSdl, subgraphs.urls, rootLogger.child({ service: 'gateway' }), {
      // Defaults, whatever this shell exports: the benchmark's query must pass the limits as shipped.
      queryLimits: DEFAULT_QUERY_LIMITS,
      entityCache: ENTITY_CACHE_DEFAULTS,
    });
    apollo = await startPlainApolloGateway(supergraphSdl);
  }, 60_000);

  afterAll(async () => {
    await project?.close();
    await apollo?.close();
    await subgraphs?.close();
  });

  /** The answer, and how many fetches the subgraphs answered for it. */
  const ask = async (url: string) => {
    const total = () => Object.values(subgraphs.fetches()).reduce((sum, n) => sum + n, 0);
    const before = total();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BENCHMARK_BODY });
    return { status: response.status, text: await response.text(), fetches: total() - before };
  };

  it("composes the re-created subgraphs into the benchmark's supergraph", () => {
    const types = (sdl: string) =>
      new Map(
        parse(sdl)
          .definitions.filter((d): d is Extract<DefinitionNode, { kind: 'ObjectTypeDefinition' }> => d.kind === 'ObjectTypeDefinition')
          .map((d) => [d.name.value, print(d)]),
      );
    const composed = types(supergraphSdl);
    for (const [name, expected] of types(BENCHMARK_SUPERGRAPH_TYPES)) expect(composed.get(name)).toBe(expected);
    expect([...composed.keys()].sort()).toEqual(['Product', 'Query', 'Review', 'User']);
  });

  it('answers what the benchmark expects, in 16 fetches through plain Apollo', async () => {
    const { status, text, fetches } = await ask(apollo.url);
    expect(status).toBe(200);
    expect(fetches).toBe(16);
    expect(Buffer.byteLength(text)).toBe(87_600);
    const { data, errors } = JSON.parse(text) as Answer;
    expect(errors).toBeUndefined();
    expect(data.users.map((user) => user.id)).toEqual(['1', '2', '3', '4', '5', '6']);
    // Every user's reviews are the table's first two; the table has four; shippingEstimate is always null there.
    expect(data.users[5].reviews[1].product).toMatchObject({ upc: '1', shippingEstimate: null });
    expect(data.users[0].reviews[0].product.reviews).toHaveLength(4);
    expect(data.topProducts.map(({ name, inStock, reviews }) => [name, inStock, reviews.length])).toEqual([
      ['Table', true, 4],
      ['Couch', false, 4],
      ['Glass', false, 1],
      ['Chair', false, 2],
      ['TV', true, 0],
    ]);
  });

  it("answers the benchmark's query with default query limits, byte for byte as plain Apollo does", async () => {
    const mine = await ask(project.url);
    const theirs = await ask(apollo.url);
    // A refusal (today: LIMIT_EXCEEDED, cost 113,425 > 50,000) shows its body, not an 87 KB diff.
    expect(mine.status === 200 ? 200 : `${mine.status} ${mine.text}`).toBe(200);
    expect(mine.text === theirs.text).toBe(true);
  });
});
