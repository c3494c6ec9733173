/**
 * Federated subscriptions through the gateway with the real graphql-ws client: the field lives in
 * the recommendations subgraph, product details are completed per event from the products subgraph.
 */
import { gql } from 'graphql-request';
import { upstreamSubscriptionsOpened } from '../platform/metrics';
import { eventually } from './support/eventually';
import { metricValue } from './support/metrics';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';
import { collect, wsClient } from './support/subscriptions';

const UPDATES = `
  subscription ($userId: ID!) {
    recommendationsUpdated(userId: $userId) {
      trigger
      publishedAt
      items { score product { id name price { amount currency } stock } }
    }
  }
`;

interface Update {
  recommendationsUpdated: {
    trigger: string;
    publishedAt: string;
    items: { score: number; product: { id: string; name: string; price: { amount: number; currency: string }; stock: number } }[];
  };
}

const PLACE_ORDER = gql`
  mutation ($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
    }
  }
`;

async function upstreamOpened(): Promise<number> {
  const metric = await upstreamSubscriptionsOpened.get();
  return metric.values.filter((value) => value.labels.subgraph === 'recommendations').reduce((sum, value) => sum + value.value, 0);
}

describe('subscriptions through the gateway', () => {
  let t: TestPlatform;
  let userId: string;
  let token: string;
  let inStock: string[];
  let orderCount = 0;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 5, users: 40, products: 200, orders: 300 }, { subscriptionsPerConnection: 10 });
    userId = 'user-0003';
    token = await t.token(userId);
    const { products } = await t.client().request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(gql`
      {
        products(first: 100) {
          edges {
            node {
              id
              stock
            }
          }
        }
      }
    `);
    inStock = products.edges.filter((edge) => edge.node.stock > 50).map((edge) => edge.node.id);
  });

  afterAll(() => t?.close());

  const placeOrder = () =>
    t.client(token).request(PLACE_ORDER, {
      input: { idempotencyKey: `sub-${orderCount}`, items: [{ productId: inStock[orderCount++ % inStock.length], quantity: 1 }] },
    });

  // How fast updates arrive is measured by `npm run bench -- fanout`; this test asserts what arrives.
  it('delivers an update with product names and prices from the products subgraph after an order', async () => {
    const client = wsClient(t.url, token);
    const updates = collect<Update>(client, UPDATES, { userId });
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 1,
    );
    // Each event a subscription delivers is one observation of the gateway's per-operation RED series.
    const events = () =>
      metricValue(t.url.replace(/\/graphql$/, ''), 'gateway_operation_duration_seconds_count', { type: 'subscription', outcome: 'ok' });
    const eventsBefore = await events();
    await placeOrder();
    const update = await updates.next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED', 20_000);
    expect(update.errors).toBeUndefined();
    expect(await events()).toBeGreaterThan(eventsBefore);
    const items = update.data!.recommendationsUpdated.items;
    expect(items.length).toBeGreaterThan(0);
    const ids = items.slice(0, 5).map((item) => item.product.id);
    const { products } = await t
      .client()
      .request<{ products: { edges: { node: { id: string; name: string; price: { amount: number } } }[] } }>(gql`
        {
          products(first: 1000) {
            edges {
              node {
                id
                name
                price {
                  amount
                }
              }
            }
          }
        }
      `);
    const catalogue = new Map(products.edges.map((edge) => [edge.node.id, edge.node]));
    for (const item of items.slice(0, 5)) {
      expect(item.product.name).toBe(catalogue.get(item.product.id)!.name);
      expect(item.product.price.amount).toBe(catalogue.get(item.product.id)!.price.amount);
      expect(item.product.price.currency).toBe('EUR');
    }
    expect(ids).toHaveLength(5);
    updates.stop();
    await client.dispose();
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 0,
    );
    expect(t.platform.gateway.hub.upstreamCount).toBe(0);
  });

  it('serves 100 identical client subscriptions from one upstream subscription', async () => {
    const before = await upstreamOpened();
    const clients = Array.from({ length: 10 }, () => wsClient(t.url, token));
    const subscriptions = clients.flatMap((client) => Array.from({ length: 10 }, () => collect<Update>(client, UPDATES, { userId })));
    await eventually(
      async () => t.platform.gateway.hub.activeSubscriptions,
      (count) => count === 100,
    );
    expect((await upstreamOpened()) - before).toBe(1);
    expect(t.platform.gateway.hub.upstreamCount).toBe(1);
    await placeOrder();
    await Promise.all(
      subscriptions.map((subscription) => subscription.next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED')),
    );
    subscriptions.forEach((subscription) => subscription.stop());
    await Promise.all(clients.map((client) => Promise.resolve(client.dispose())));
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 0,
    );
  });

  it("refuses a subscription to another user's updates", async () => {
    const client = wsClient(t.url, await t.token('user-0004'));
    const denied = collect<Update>(client, UPDATES, { userId });
    const result = await denied.next((r) => Boolean(r.errors));
    expect(result.errors![0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    await eventually(async () => denied.completed, Boolean);
    await client.dispose();
  });

  it('closes a connection whose token is forged with 4401', async () => {
    let closed: { code: number; reason: string } | undefined;
    const client = wsClient(t.url, 'not-a-token', (code, reason) => (closed ??= { code, reason }));
    collect<Update>(client, UPDATES, { userId });
    await eventually(async () => closed, Boolean);
    expect(closed).toEqual({ code: 4401, reason: 'The bearer token is not valid' });
    await client.dispose();
  });

  it('limits subscriptions per connection with a clear error', async () => {
    const client = wsClient(t.url, token);
    const allowed = Array.from({ length: 10 }, () => collect<Update>(client, UPDATES, { userId }));
    await eventually(
      async () => t.platform.gateway.hub.activeSubscriptions,
      (count) => count >= 10,
    );
    const refused = collect<Update>(client, UPDATES, { userId });
    const result = await refused.next((r) => Boolean(r.errors));
    expect(result.errors![0]).toMatchObject({ message: 'At most 10 subscriptions per connection', extensions: { code: 'LIMIT_EXCEEDED' } });
    allowed.forEach((subscription) => subscription.stop());
    await client.dispose();
  });

  it('keeps a client subscription across a restart of the recommendations subgraph', async () => {
    const client = wsClient(t.url, token);
    const updates = collect<Update>(client, UPDATES, { userId });
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 1,
    );
    await t.platform.stopSubgraph('recommendations');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.platform.restartSubgraph('recommendations');
    // The gateway resubscribes once the subgraph answers again; then the next order reaches the client.
    const received = await eventually(
      async () => {
        await placeOrder();
        return updates
          .next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED', 1_000)
          .then(
            () => true,
            () => false,
          );
      },
      Boolean,
      10_000,
    );
    expect(received).toBe(true);
    expect(updates.completed).toBe(false);
    expect(updates.error).toBeUndefined();
    updates.stop();
    await client.dispose();
  });

  it('runs queries and mutations sent over the socket', async () => {
    const client = wsClient(t.url, token);
    const result = await collect<{ me: { id: string } }>(client, '{ me { id } }').next();
    expect(result.data).toEqual({ me: { id: userId } });
    const anonymous = await graphqlErrors(
      t.client().request(gql`
        {
          me {
            id
          }
        }
      `),
    );
    expect(anonymous[0].extensions?.code).toBe('UNAUTHENTICATED');
    await client.dispose();
  });

  it('answers a subscription with a syntax error by itself, keeping the socket and its other subscriptions', async () => {
    let closed: number | undefined;
    const client = wsClient(t.url, token, (code) => (closed = code));
    const live = collect<Update>(client, UPDATES, { userId });
    await eventually(
      async () => t.platform.gateway.hub.upstreamCount,
      (count) => count === 1,
    );
    const broken = collect<Update>(client, 'subscription { recommendationsUpdated(userId: ');
    await eventually(async () => broken.completed, Boolean);
    expect((broken.error as { message: string }[])[0].message).toMatch(/^Syntax Error/);
    await placeOrder();
    await live.next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED');
    expect(closed).toBeUndefined();
    expect(live.completed).toBe(false);
    live.stop();
    await client.dispose();
  });
});
