/**
 * The project's plan executor against Apollo's own, byte for byte, on one supergraph and the same
 * subgraph answers: multi-fetch plans (entities, @requires, lists of entities), fragments on
 * interfaces and unions, aliases, repeated fields, @skip/@include by variable, and answers Apollo
 * reports errors for (a null in a non-null field, an invalid enum, Int or Float, an unknown
 * __typename, subgraph errors with paths into entities, a short _entities list). The subgraphs run
 * in this process (graphql-js over @apollo/subgraph schemas); a case may alter one answer on its way
 * back, as a faulty subgraph would send it.
 */
import '../gateway/pipeline/plain-apollo-exports';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildOperationContext, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import * as apolloExecution from '@apollo/gateway/dist/executeQueryPlan';
import { execute, parse, type DocumentNode } from 'graphql';
import { executeQueryPlan, runPlansFor } from '../gateway/pipeline/executor/execute-plan';
import { FederatedPlanner } from '../gateway/pipeline/planner';
import { composeDocuments } from '../scripts/compose-documents';

const apolloExecuteQueryPlan = apolloExecution.executeQueryPlan;

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])';

const CATALOG = parse(`${LINK}
  type Query { items: [Item!]! search: [SearchResult] node(id: ID!): Node }
  interface Node { id: ID! }
  union SearchResult = Item | Seller
  enum Kind { BOOK FILM }
  type Item implements Node @key(fields: "id") { id: ID! name: String! kind: Kind weight: Float price: Int seller: Seller }
  type Seller implements Node @key(fields: "id") { id: ID! name: String }
`);

const REVIEWS = parse(`${LINK}
  type Item @key(fields: "id") { id: ID! weight: Float @external reviews: [Review!] shippingCost: Int @requires(fields: "weight") }
  type Review { id: ID! stars: Int! author: String }
  type Seller @key(fields: "id") { id: ID! rating: Float }
`);

const SELLERS = [
  { __typename: 'Seller', id: 's1', name: 'Ada' },
  { __typename: 'Seller', id: 's2', name: null },
];
const ITEMS = [
  { __typename: 'Item', id: 'i1', name: 'Dune', kind: 'BOOK', weight: 0.8, price: 12, seller: SELLERS[0] },
  { __typename: 'Item', id: 'i2', name: 'Alien', kind: 'FILM', weight: null, price: 9, seller: SELLERS[1] },
  { __typename: 'Item', id: 'i3', name: 'Emma', kind: null, weight: 1.25, price: null, seller: null },
];
const REVIEWS_BY_ITEM: Record<string, { id: string; stars: number; author: string | null }[] | null> = {
  i1: [
    { id: 'r1', stars: 5, author: 'Bo' },
    { id: 'r2', stars: 3, author: null },
  ],
  i2: [],
  i3: null,
};
const RATINGS: Record<string, number> = { s1: 4.5, s2: 3 };

const catalogSchema = buildSubgraphSchema({
  typeDefs: CATALOG,
  resolvers: {
    Query: {
      items: () => ITEMS,
      search: () => [ITEMS[0], SELLERS[0], null, ITEMS[2]],
      node: (_: unknown, { id }: { id: string }) => [...ITEMS, ...SELLERS].find((node) => node.id === id) ?? null,
    },
    Node: { __resolveType: (node: { __typename: string }) => node.__typename },
    SearchResult: { __resolveType: (node: { __typename: string }) => node.__typename },
    Item: { __resolveReference: ({ id }: { id: string }) => ITEMS.find((item) => item.id === id) },
    Seller: { __resolveReference: ({ id }: { id: string }) => SELLERS.find((seller) => seller.id === id) },
  } as never,
});

const reviewsSchema = buildSubgraphSchema({
  typeDefs: REVIEWS,
  resolvers: {
    Item: {
      __resolveReference: (reference: { id: string; weight?: number | null }) => reference,
      reviews: ({ id }: { id: string }) => REVIEWS_BY_ITEM[id] ?? null,
      shippingCost: ({ weight }: { weight?: number | null }) => (weight == null ? null : Math.round(weight * 4)),
    },
    Seller: { __resolveReference: ({ id }: { id: string }) => ({ id, rating: RATINGS[id] }) },
  } as never,
});

type Answer = { data?: Record<string, unknown> | null; errors?: unknown[] };
type Alter = (subgraph: string, answer: Answer) => Answer;

/** A subgraph answering in this process, its answer serialised and parsed as if it came over HTTP, then altered by the case. */
function source(name: string, schema: typeof catalogSchema, alter: () => Alter | undefined): GraphQLDataSource {
  return {
    async process(options) {
      const { query, variables } = options.request;
      const result = await execute({ schema, document: parse(query!), variableValues: variables });
      const answer = JSON.parse(JSON.stringify(result)) as Answer;
      const altered = alter()?.(name, answer) ?? answer;
      return altered as never;
    },
  };
}

const planner = new FederatedPlanner(
  composeDocuments([
    { name: 'catalog', url: 'http://127.0.0.1:1/catalog', typeDefs: CATALOG },
    { name: 'reviews', url: 'http://127.0.0.1:1/reviews', typeDefs: REVIEWS },
  ]),
);

let alteration: Alter | undefined;
const serviceMap: ServiceMap = {
  catalog: source('catalog', catalogSchema, () => alteration),
  reviews: source('reviews', reviewsSchema, () => alteration),
};
for (const dataSource of Object.values(serviceMap)) runPlansFor(dataSource);

async function run(executor: typeof apolloExecuteQueryPlan, document: DocumentNode, variables: Record<string, unknown>) {
  const plan = planner.plan(document);
  const operationContext = buildOperationContext({ schema: planner.apiGraphQLSchema, operationDocument: document });
  const requestContext = {
    request: { variables },
    context: {},
    metrics: {},
    logger: console,
    document,
    operation: operationContext.operation,
  } as unknown as Parameters<typeof executor>[2];
  const result = await executor(plan, serviceMap, requestContext, operationContext, planner.supergraphSchema, planner.apiSchema);
  return JSON.stringify(result);
}

/** Both executors on the same operation and answers: the same JSON, which the case's check then reads. */
async function bothOn(query: string, variables: Record<string, unknown> = {}, alter?: Alter) {
  const document = parse(query);
  alteration = alter;
  try {
    const apollo = await run(apolloExecuteQueryPlan, document, variables);
    const project = await run(executeQueryPlan, document, variables);
    expect(project).toBe(apollo);
    return JSON.parse(project) as {
      data?: unknown;
      errors?: { message: string; path?: unknown[] }[];
      extensions?: { valueCompletion?: unknown[] };
    };
  } finally {
    alteration = undefined;
  }
}

const EVERYTHING = `{ items { __typename id name kind weight price seller { id name rating } reviews { id stars author } shippingCost } }`;

/** One subgraph's answer with the value at `path` (into its data) replaced. */
const altering =
  (subgraph: string, path: (string | number)[], value: unknown): Alter =>
  (name, answer) => {
    if (name !== subgraph || !answer.data) return answer;
    let parent = answer.data as Record<string | number, unknown>;
    for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
    parent[path[path.length - 1]!] = value;
    return answer;
  };

describe("the project's plan executor", () => {
  it('answers a plan of entity fetches, @requires and lists as Apollo does', async () => {
    const result = await bothOn(EVERYTHING);
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ items: [{ id: 'i1', shippingCost: 3, seller: { rating: 4.5 } }, { id: 'i2' }, { id: 'i3' }] });
  });

  it.each([[{ withReviews: true, plain: false }], [{ withReviews: false, plain: true }]])(
    'shapes fragments on interfaces and unions, aliases, repeated fields and @skip/@include (%j) as Apollo does',
    async (variables) => {
      const result = await bothOn(
        `query Q($withReviews: Boolean!, $plain: Boolean = true) {
        all: items { ...F id label: name ... on Node { id } reviews @include(if: $withReviews) { stars } kind @skip(if: $plain) }
        search { __typename ... on Item { name seller { rating } } ... on Seller { name rating } ... on Node { id } }
        node(id: "s1") { id ... on Seller { rating kind: name } t: __typename }
        other: node(id: "i2") { ... on Item { ...F reviews { author } } }
      }
      fragment F on Item { name kind }`,
        variables,
      );
      expect(result.errors).toBeUndefined();
    },
  );

  it.each<[string, Alter]>([
    ['a null in a non-null field of an entity answer', altering('reviews', ['_entities', 0, 'reviews', 1, 'stars'], null)],
    ['a null in a non-null root list element', altering('catalog', ['items', 1, 'name'], null)],
    ['an enum value the schema does not have', altering('catalog', ['items', 0, 'kind'], 'VINYL')],
    ['a fraction for an Int', altering('catalog', ['items', 1, 'price'], 1.5)],
    ['a string for a Float', altering('catalog', ['items', 0, 'weight'], 'heavy')],
    ['an unknown __typename', altering('catalog', ['items', 2, 'seller'], { __typename: 'Ghost', id: 'x' })],
    [
      'subgraph errors with paths into its entities',
      (name, answer) =>
        name === 'reviews' && (answer.data as { _entities?: unknown[] } | undefined)?._entities?.length === 3
          ? {
              ...answer,
              errors: [{ message: 'reviews are down', path: ['_entities', 1, 'reviews'], extensions: { code: 'SERVICE_UNAVAILABLE' } }],
            }
          : answer,
    ],
    [
      'a short _entities list',
      (name, answer) => {
        if (name === 'reviews') (answer.data as { _entities?: unknown[] } | undefined)?._entities?.pop();
        return answer;
      },
    ],
    ['no data at all', (name, answer) => (name === 'catalog' ? { errors: [{ message: 'catalog failed' }] } : answer)],
  ])('reports %s as Apollo does', async (_case, alter) => {
    const result = await bothOn(EVERYTHING, {}, alter);
    expect(result.errors ?? result.extensions?.valueCompletion).toBeDefined();
  });
});
