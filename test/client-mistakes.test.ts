/**
 * Requests a client got wrong are the client's to fix: each is answered with a 4xx and a GraphQL
 * error whose code says so, never a 500 INTERNAL_SERVER_ERROR with a stack in the logs.
 */
import { startTestPlatform, type TestPlatform } from './support/platform';

/** A cursor in this API's own format (base64url JSON key) whose strings were forged to hold a NUL. */
const nulCursor = (...key: string[]) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('client mistakes through the gateway', () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 17, users: 5, products: 20, orders: 10 });
  });

  afterAll(() => t?.close());

  const post = async (body: Record<string, unknown>, token: string) => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { errors?: { message: string; extensions?: { code?: string; field?: string } }[] },
    };
  };

  it.each([
    [
      'an operationName the document does not have',
      'OPERATION_RESOLUTION_FAILURE',
      { query: 'query A { __typename }', operationName: 'B' },
    ],
    ['two anonymous operations', 'GRAPHQL_VALIDATION_FAILED', { query: '{ __typename } { __typename }' }],
    ['several operations and no operationName', 'OPERATION_RESOLUTION_FAILURE', { query: 'query A { __typename } query B { __typename }' }],
    ['a subscription over POST', 'BAD_USER_INPUT', { query: 'subscription { recommendationsUpdated(userId: "user-0001") { trigger } }' }],
    [
      'a cursor that is not one of ours',
      'BAD_USER_INPUT',
      { query: '{ products(first: 1, after: "bm90LWEtY3Vyc29y") { edges { cursor } } }' },
    ],
    [
      "an orders cursor holding a date that isn't one",
      'BAD_USER_INPUT',
      {
        query: `{ me { orders(first: 1, after: "${Buffer.from('["not-a-date", "order-1"]').toString('base64url')}") { edges { cursor } } } }`,
      },
    ],
    // PostgreSQL (and PGlite) refuse a NUL in text: a client string that carries one must be refused before SQL.
    [
      'a products cursor holding a NUL byte',
      'BAD_USER_INPUT',
      { query: `{ products(first: 1, after: "${nulCursor('product-\0')}") { edges { cursor } } }` },
    ],
    [
      'an orders cursor holding a NUL byte',
      'BAD_USER_INPUT',
      { query: `{ me { orders(first: 1, after: "${nulCursor('2026-01-01T00:00:00.000Z', 'order-\0')}") { edges { cursor } } } }` },
    ],
    [
      'a users cursor holding a NUL byte',
      'BAD_USER_INPUT',
      { query: `{ users(first: 1, after: "${nulCursor('user-\0')}") { edges { cursor } } }` },
    ],
    [
      'a search term holding a NUL byte (in a variable)',
      'BAD_USER_INPUT',
      { query: 'query ($s: String) { products(first: 1, search: $s) { edges { cursor } } }', variables: { s: 'shoe\0' } },
    ],
    [
      'a search term holding a NUL byte (inline)',
      'BAD_USER_INPUT',
      { query: '{ products(first: 1, search: "shoe\\u0000") { edges { cursor } } }' },
    ],
    [
      'a product id holding a NUL byte',
      'BAD_USER_INPUT',
      { query: 'query ($id: ID!) { product(id: $id) { id } }', variables: { id: 'product-\0' } },
    ],
    [
      'an order id holding a NUL byte',
      'BAD_USER_INPUT',
      { query: 'query ($id: ID!) { order(id: $id) { id } }', variables: { id: 'order-\0' } },
    ],
    [
      'an idempotency key holding a NUL byte',
      'BAD_USER_INPUT',
      {
        query: 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }',
        variables: { input: { idempotencyKey: 'key-\0', items: [{ productId: 'product-001', quantity: 1 }] } },
      },
    ],
  ])('answers %s with %s, not a server error', async (_name, expectedCode, body) => {
    const { status, body: answer } = await post(body, await t.token('user-0001', ['customer', 'admin']));
    expect(answer.errors?.[0]?.extensions?.code).toBe(expectedCode);
    expect(status).toBeLessThan(500);
  });

  it('names the argument that held the NUL byte, whatever the variable is called', async () => {
    const { body } = await post(
      {
        query: 'mutation ($i: PlaceOrderInput!) { placeOrder(input: $i) { id } }',
        variables: { i: { idempotencyKey: 'key-\0', items: [{ productId: 'product-001', quantity: 1 }] } },
      },
      await t.token('user-0001'),
    );
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey' });
  });
});
