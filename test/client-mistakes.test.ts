/**
 * Requests a client got wrong are the client's to fix: each is answered with a 4xx and a GraphQL
 * error whose code says so, never a 500 INTERNAL_SERVER_ERROR with a stack in the logs.
 */
import { startTestPlatform, type TestPlatform } from './support/platform';

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
    return { status: response.status, body: (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
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
  ])('answers %s with %s, not a server error', async (_name, expectedCode, body) => {
    const { status, body: answer } = await post(body, await t.token('user-0001'));
    expect(answer.errors?.[0]?.extensions?.code).toBe(expectedCode);
    expect(status).toBeLessThan(500);
  });
});
