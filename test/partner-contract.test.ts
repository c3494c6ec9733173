/**
 * The partner API on the real platform: /partner/graphql answers catalogue queries from the
 * same subgraphs as /graphql, while everything outside the contract (users' personal data,
 * payments, order owners, internal fields, every mutation but placeOrder and confirmOrder, subscriptions) does not exist there — asked
 * directly, through fragments, aliases, `_entities` or introspection alike. The contract SDL is
 * served for partners' developers, and the gateway's limits and error vocabulary apply unchanged.
 * Every request here carries a partner API key (test/partner-keys.test.ts tests the keys).
 */
import fs from 'node:fs';
import { buildSchema } from 'graphql';
import WebSocket from 'ws';
import { PARTNER_API_SDL } from '../gateway/supergraph';
import { fromRoot } from '../platform/paths';
import { createPartnerKey } from './support/partners';
import { startTestPlatform, type TestPlatform } from './support/platform';

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const CATALOGUE = `query Catalogue($first: Int) {
  products(first: $first) {
    edges { cursor node { id sku name description category stock price { amount currency } similar(first: 2) { productId score reason degraded } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('partner API', () => {
  let test: TestPlatform;
  let base: string;
  let apiKey: string;

  const post = async (path: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  };
  const partner = (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) =>
    post('/partner/graphql', query, variables, { 'x-api-key': apiKey, ...headers });

  beforeAll(async () => {
    test = await startTestPlatform();
    base = test.url.replace(/\/graphql$/, '');
    ({ key: apiKey } = await createPartnerKey(test, 'contract-tests'));
  });

  afterAll(async () => {
    await test?.close();
  });

  it('answers a catalogue query with the same data as the main endpoint', async () => {
    const answer = await partner(CATALOGUE, { first: 3 });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const main = await post('/graphql', CATALOGUE, { first: 3 });
    expect(answer.body.data).toEqual(main.body.data);
    const products = answer.body.data?.products as { edges: { node: { id: string; price: { amount: number } } }[] };
    expect(products.edges).toHaveLength(3);
    const one = await partner('query One($id: ID!) { product(id: $id) { id name stock price { amount currency } } }', {
      id: products.edges[0].node.id,
    });
    expect(one.body.data?.product).toMatchObject({ id: products.edges[0].node.id, price: products.edges[0].node.price });
  });

  it('answers the first query of the partner page', async () => {
    const page = fs.readFileSync(fromRoot('docs/partner-api.md'), 'utf8');
    const body =
      /curl -s http:\/\/localhost:4000\/partner\/graphql -H 'content-type: application\/json' \\\n\s+-H "x-api-key: \$PARTNER_KEY" \\\n\s+-d '(.+)'/.exec(
        page,
      )?.[1];
    expect(body).toBeDefined();
    const { query } = JSON.parse(body!) as { query: string };
    const answer = await partner(query);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data?.products as { edges: unknown[] }).edges).toHaveLength(2);
  });

  it.each([
    ['a user', '{ me { email } }'],
    ['another account', '{ user(id: "user-0001") { email name } }'],
    ['all accounts', '{ users(first: 5) { edges { node { email } } } }'],
    ["an order's owner", '{ order(id: "x") { id user { id } } }'],
    ["an order's payment", '{ order(id: "x") { payment { status } } }'],
    ['an internal field', '{ products(first: 1) { edges { node { similar { modelVersion } } } } }'],
    ['a fragment on a hidden type', '{ product(id: "x") { id ...Owner } } fragment Owner on User { email }'],
    ['an inline fragment on a hidden type', '{ product(id: "x") { ... on User { email } } }'],
    ['a fragment with a hidden field', '{ order(id: "x") { ...Paid } } fragment Paid on Order { id payment { status } }'],
    ['an alias over a hidden field', '{ catalogue: products(first: 1) { edges { node { id } } } mine: me { email } }'],
    ['an alias over a hidden nested field', '{ order(id: "x") { owner: user { id } } }'],
    ['_entities', '{ _entities(representations: [{ __typename: "User", id: "user-0001" }]) { ... on User { email } } }'],
    ['_service', '{ _service { sdl } }'],
    ['a payment mutation', 'mutation { payOrder(orderId: "x") { id } }'],
    ['an internal mutation', 'mutation { reserveStock(items: [], reservationId: "r") { productId } }'],
    ['a subscription over HTTP', 'subscription { recommendationsUpdated(userId: "user-0001") { userId } }'],
  ])('refuses %s as a validation error', async (_what, query) => {
    const answer = await partner(query);
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(expect.arrayContaining(['GRAPHQL_VALIDATION_FAILED']));
    expect(new Set(answer.body.errors?.map((error) => error.extensions?.code))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
  });

  it('introspection shows only the contract', async () => {
    const answer = await partner(`{
      user: __type(name: "User") { name }
      payment: __type(name: "Payment") { name }
      recommendation: __type(name: "Recommendation") { fields { name } }
      order: __type(name: "Order") { fields { name } }
      query: __type(name: "Query") { fields { name } }
      mutation: __type(name: "Mutation") { fields { name } }
      __schema { types { name } subscriptionType { name } }
    }`);
    expect(answer.body.errors).toBeUndefined();
    const data = answer.body.data as {
      user: null;
      payment: null;
      recommendation: { fields: { name: string }[] };
      order: { fields: { name: string }[] };
      query: { fields: { name: string }[] };
      mutation: { fields: { name: string }[] };
      __schema: { types: { name: string }[]; subscriptionType: null };
    };
    expect(data.user).toBeNull();
    expect(data.payment).toBeNull();
    expect(data.recommendation.fields.map((field) => field.name)).not.toContain('modelVersion');
    expect(data.order.fields.map((field) => field.name).sort()).toEqual(['createdAt', 'id', 'items', 'reservedUntil', 'status', 'total']);
    expect(data.query.fields.map((field) => field.name).sort()).toEqual(['order', 'product', 'products']);
    expect(data.mutation.fields.map((field) => field.name)).toEqual(['placeOrder', 'confirmOrder']);
    expect(data.__schema.subscriptionType).toBeNull();
    const types = data.__schema.types.map((type) => type.name);
    for (const hidden of ['User', 'Payment', 'UserConnection', 'Interaction', 'RecommendationsUpdate', 'ReservedItem']) {
      expect(types).not.toContain(hidden);
    }
  });

  it("acts as the partner, never as a user whose token is sent along: another account's order is not there", async () => {
    const token = await test.token('user-0001');
    const orderId = await test.placeOrder(token, 'partner-contract-order');
    const query = 'query Order($id: ID!) { order(id: $id) { id status } }';
    expect((await post('/graphql', query, { id: orderId }, { authorization: `Bearer ${token}` })).body.data?.order).toMatchObject({
      id: orderId,
    });
    const answer = await partner(query, { id: orderId }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.order).toBeNull();
  });

  it('serves no WebSocket: subscriptions are not part of the contract', async () => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/partner/graphql`, 'graphql-transport-ws');
    const outcome = await new Promise<string>((resolve) => {
      socket.on('open', () => resolve('open'));
      socket.on('unexpected-response', (_request, response) => resolve(`status ${response.statusCode}`));
      socket.on('error', (error) => resolve(`error ${error.message}`));
    });
    socket.terminate();
    expect(outcome).not.toBe('open');
  });

  it('applies the gateway limits, rate-limit headers and error vocabulary', async () => {
    const tooManyAliases = `{ ${Array.from({ length: 40 }, (_, i) => `p${i}: product(id: "x") { id }`).join(' ')} }`;
    const answer = await partner(tooManyAliases);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0].extensions?.code).toBe('LIMIT_EXCEEDED');
    expect(answer.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
    const notJson = await fetch(`${base}/partner/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as Answer['body']).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves the contract SDL at /partner/schema.graphql', async () => {
    const response = await fetch(`${base}/partner/schema.graphql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const sdl = await response.text();
    expect(sdl).toBe(fs.readFileSync(PARTNER_API_SDL, 'utf8'));
    const schema = buildSchema(sdl);
    expect(schema.getType('Product')).toBeDefined();
    expect(schema.getType('User')).toBeUndefined();
    expect(sdl).not.toMatch(/email|cardNumber|modelVersion/);
  });
});
