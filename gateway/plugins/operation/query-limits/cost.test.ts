import fs from 'node:fs';
import { composeServices } from '@apollo/composition';
import { getIntrospectionQuery, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { DEFAULT_QUERY_LIMITS } from '../../../../platform/config';
import { FederatedPlanner } from '../../../pipeline/planner';
import { fragmentSpreadExpansions, MAX_FRAGMENT_SPREADS, operationCost, OperationCosts } from './cost';
import { SUPERGRAPH_SDL } from '../../../supergraph';

const schema = new FederatedPlanner(fs.readFileSync(SUPERGRAPH_SDL, 'utf8')).apiGraphQLSchema;
const LIST_SIZE = DEFAULT_QUERY_LIMITS.listSize;

const costIn = (api: GraphQLSchema, query: string, variables?: Record<string, unknown>, listSize = LIST_SIZE) => {
  const result = operationCost(api, parse(query), { variables, maxNodes: 100_000, listSize });
  if (result.kind !== 'cost') throw new Error(`expected a cost, got ${result.kind}`);
  return result.cost;
};
const costOf = (query: string, variables?: Record<string, unknown>) => costIn(schema, query, variables);

const expansions = (document: DocumentNode) => [...fragmentSpreadExpansions(document).values()];

describe('query cost model', () => {
  it('multiplies a field by its first argument, and a list without one by the configured size (5 by default)', () => {
    expect(LIST_SIZE).toBe(5);
    // price: 1 + amount = 2; node: 1 + id + price = 4; edges: the page itself, 1 + node = 5; products: 20 × (1 + 5).
    expect(costOf('{ products(first: 20) { edges { node { id price { amount } } } } }')).toBe(120);
    // items has no size argument: 5 × (1 + quantity) = 10; node 11; edges 12; orders 1 × 13; me 14.
    const items = '{ me { orders(first: 1) { edges { node { items { quantity } } } } } }';
    expect(costOf(items)).toBe(14);
    expect(costIn(schema, items, undefined, 10)).toBe(24);
  });

  it('counts a connection without first as the API default page of 20', () => {
    expect(costOf('{ products { edges { node { id } } } }')).toBe(20 * 4);
  });

  it('takes sizes from variables and from argument defaults', () => {
    const query = 'query ($first: Int!) { products(first: $first) { edges { node { id } } } }';
    expect(costOf(query, { first: 500 })).toBe(500 * 4);
    // Product.similar(first: Int = 10): 10 × (1 + score).
    expect(costOf('{ product(id: "p") { similar { score } } }')).toBe(1 + 10 * 2);
  });

  it('prices the 120-byte query that held the event loop for 10 s far over the default limit of 50,000', () => {
    const query = '{products(first:1000){edges{node{similar(first:100){product{name similar(first:100){score}}}}}}}';
    expect(Buffer.byteLength(query)).toBeLessThanOrEqual(120);
    // similar(100){score} = 200; product = 1 + name + 200 = 202; similar(100) = 100 × 203; node; edges; × 1000.
    expect(costOf(query)).toBe(1000 * (1 + 1 + (1 + 100 * 203)));
    expect(costOf(query)).toBeGreaterThan(50_000);
  });

  it("keeps the README's example query and the dashboard's queries cheap", () => {
    const readme = `{ me { name orders(first: 3) { edges { node { total { amount currency } items { quantity product { name price { amount } } } payment { status } } } }
      recommendations(first: 5) { score product { name category } } } }`;
    // items: 5 × (1 + quantity + product(1 + name + price 2)) = 30; node 1 + total 3 + items + payment 2 = 36;
    // orders 3 × (1 + 1 + 36) = 114; recommendations 5 × (1 + score + product 3) = 25; me 1 + name + 114 + 25.
    expect(costOf(readme)).toBe(141);
    const dashboard = `query ($userId: ID!) { user(id: $userId) { name recommendations(first: 10) { score reason degraded product { name price { amount currency } stock } } } }`;
    expect(costOf(dashboard, { userId: 'user-0001' })).toBeLessThan(200);
  });

  it('does not multiply introspection by data sizes (the IDE sends it on every load)', () => {
    expect(costOf(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).toBeLessThan(1000);
  });

  it('stops the walk after maxNodes selections and says the operation is too large', () => {
    const document = parse('{ products(first: 1) { edges { node { id name category stock } } } }');
    expect(operationCost(schema, document, { maxNodes: 3, listSize: LIST_SIZE }).kind).toBe('too-large');
  });

  it('leaves variables that do not fit the schema to execution', () => {
    const document = parse('query ($first: Int!) { products(first: $first) { edges { cursor } } }');
    expect(operationCost(schema, document, { maxNodes: 1000, variables: {}, listSize: LIST_SIZE }).kind).toBe('invalid');
  });
});

describe('remembered cost verdicts', () => {
  const MAX_NODES = 100_000;
  const memo = (maxBytes = 64 * 1024) => new OperationCosts({ maxBytes, name: 'limits' });
  const verdict = (costs: OperationCosts, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string) =>
    costs.of(schema, document, { variables, operationName, maxNodes: MAX_NODES, listSize: LIST_SIZE });

  it('keys on the variables that feed sizes and conditions, never on the rest', () => {
    const costs = memo();
    const document = parse(
      'query Page($first: Int!, $id: ID!, $all: Boolean!) { products(first: $first) { edges { node { id } } } product(id: $id) { similar @include(if: $all) { score } } }',
    );
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 50; i++) verdict(costs, document, { first: 10, id: `product-${i}`, all: false, [`junk${i}`]: big });
    const one = costs.bytes;
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThan(300);
    expect(verdict(costs, document, { first: 10, id: 'p', all: true })).toEqual({ kind: 'cost', cost: 10 * 4 + 1 + 10 * 2 });
    expect(verdict(costs, document, { first: 10, id: 'p', all: false })).toEqual({ kind: 'cost', cost: 10 * 4 + 1 });
    // One more verdict (all: true), none per id or per junk variable.
    expect(costs.bytes).toBeGreaterThan(one);
    expect(costs.bytes).toBeLessThanOrEqual(2 * one + 2);
  });

  it("stays within its bytes over endless distinct sizes, and every verdict is the walk's", () => {
    const maxBytes = 4 * 1024;
    const costs = memo(maxBytes);
    const document = parse('query ($first: Int!) { products(first: $first) { edges { node { id } } } }');
    for (let first = 1; first <= 500; first++) {
      expect(verdict(costs, document, { first })).toEqual({ kind: 'cost', cost: first * 4 });
      expect(costs.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // Early sizes were forgotten, and are walked again with the same verdict.
    expect(verdict(costs, document, { first: 1 })).toEqual({ kind: 'cost', cost: 4 });
  });

  it('remembers no verdict on variables that do not fit, nor on values no size takes', () => {
    const costs = memo();
    const document = parse('query ($first: Int) { products(first: $first) { edges { node { id } } } }');
    expect(verdict(costs, document, { first: 'x'.repeat(100_000) }).kind).toBe('invalid');
    expect(verdict(costs, document, { first: [1, 2, 3] }).kind).toBe('invalid');
    expect(costs.bytes).toBe(0);
    // Absent and null are different requests, both priced at the default page.
    expect(verdict(costs, document, {})).toEqual({ kind: 'cost', cost: 20 * 4 });
    expect(verdict(costs, document, { first: null })).toEqual({ kind: 'cost', cost: 20 * 4 });
  });

  it('keeps operations of one document apart, and remembers nothing for names the document lacks', () => {
    const costs = memo();
    const document = parse(
      'query A { products(first: 1) { edges { node { id } } } } query B { products(first: 2) { edges { node { id } } } }',
    );
    expect(verdict(costs, document, {}, 'A')).toEqual({ kind: 'cost', cost: 4 });
    expect(verdict(costs, document, {}, 'B')).toEqual({ kind: 'cost', cost: 8 });
    const known = costs.bytes;
    for (let i = 0; i < 20; i++) verdict(costs, document, {}, `Missing${i}`);
    expect(costs.bytes).toBe(known);
  });
});

describe('fragment spread expansion', () => {
  it('counts every spread where a walk expands it', () => {
    const document = parse(`
      { ...A ...A products(first: 1) { edges { node { ...P } } } }
      fragment A on Query { ...B __typename }
      fragment B on Query { __typename }
      fragment P on Product { id }
    `);
    // A twice, each with its B: 4; P once: 1.
    expect(expansions(document)).toEqual([5]);
  });

  it('counts a doubling chain without walking it, capped just above the limit', () => {
    let query = '{ ...F0 } ';
    for (let i = 0; i < 100; i++) query += `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} } `;
    query += 'fragment F100 on Query { __typename }';
    expect(expansions(parse(query))).toEqual([MAX_FRAGMENT_SPREADS + 1]);
  });

  it('follows a chain of 5,000 fragments without overflowing the stack', () => {
    let query = '{ ...A0 } ';
    for (let i = 0; i < 5000; i++) query += `fragment A${i} on Query { ${i < 4999 ? `...A${i + 1}` : '__typename'} } `;
    expect(expansions(parse(query))).toEqual([MAX_FRAGMENT_SPREADS + 1]);
  });

  it('counts the spread that closes a cycle, or names an unknown fragment, once: graphql validation reports them', () => {
    // op → A, A → B, B → A (closes the cycle, not followed).
    expect(expansions(parse('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }'))).toEqual([3]);
    expect(expansions(parse('{ ...Missing }'))).toEqual([1]);
  });
});

describe('list sizes the schema declares with @listSize (GraphQL cost directive specification, federation v2.9)', () => {
  // Imported under another name, as a subgraph may: the supergraph's link says which.
  const subgraph = `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", { name: "@listSize", as: "@size" }])
    type Query {
      shelves: [Shelf] @size(assumedSize: 40)
      search(limit: Int = 8, first: Int): [Book] @size(slicingArguments: ["limit", "first"], requireOneSlicingArgument: false)
      page(take: Int): BookPage @size(slicingArguments: ["take"], sizedFields: ["books"])
    }
    type Shelf { books: [Book] }
    type Book @key(fields: "id") { id: ID! title: String }
    type BookPage { books: [Book] total: Int }
  `;
  const composed = composeServices([{ name: 'library', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(subgraph) }]);
  if (composed.errors) throw composed.errors[0];
  const api = new FederatedPlanner(composed.supergraphSdl).apiGraphQLSchema;
  const cost = (query: string, variables?: Record<string, unknown>) => costIn(api, query, variables);

  it('takes assumedSize for a list no argument sizes; an undeclared list nested in it counts the configured size', () => {
    // books: 5 × (1 + title) = 10; shelves: 40 × (1 + 10).
    expect(cost('{ shelves { books { title } } }')).toBe(440);
  });

  it('takes the largest slicing argument given, from the operation, a variable or the default', () => {
    expect(cost('{ search(limit: 3) { title } }')).toBe(3 * 2);
    expect(cost('{ search { title } }')).toBe(8 * 2);
    expect(cost('{ search(limit: 3, first: 12) { title } }')).toBe(12 * 2);
    expect(cost('query ($n: Int) { search(limit: $n) { title } }', { n: 300 })).toBe(300 * 2);
  });

  it('multiplies the field that declares sizedFields, and counts those fields once', () => {
    // books: 1 × (1 + title) = 2; page: 30 × (1 + books + total).
    expect(cost('{ page(take: 30) { books { title } total } }')).toBe(30 * 4);
    // No size given: the page holds what an unsized list does.
    expect(cost('{ page { books { title } total } }')).toBe(LIST_SIZE * 4);
  });

  it('remembers verdicts per value of a variable that feeds a slicing argument', () => {
    const costs = new OperationCosts({ maxBytes: 64 * 1024, name: 'limits' });
    const document = parse('query ($n: Int) { search(limit: $n) { title } }');
    const of = (n: number) => costs.of(api, document, { variables: { n }, maxNodes: 100_000, listSize: LIST_SIZE });
    expect(of(3)).toEqual({ kind: 'cost', cost: 6 });
    expect(of(30_000)).toEqual({ kind: 'cost', cost: 60_000 });
    expect(of(3)).toEqual({ kind: 'cost', cost: 6 });
  });
});
