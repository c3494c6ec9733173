/**
 * Two replicas of the gateway and of the recommendations subgraph sharing Redis: a dashboard
 * connected to replica B receives the update for an order placed through replica A. Runs where
 * REDIS_URL is set (CI's Postgres + Redis pass); without Redis there is only one process to be in.
 */
import { gql } from 'graphql-request';
import { startGateway, type RunningGateway } from '../gateway/server';
import { rootLogger } from '../platform/logger';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/kit/bootstrap';
import { RedisEventBus } from '../subgraphs/kit/events';
import type { SubgraphName } from '../platform/services';
import { recommendationsSubgraph } from '../subgraphs/recommendations/subgraph';
import { ServiceClient } from '../subgraphs/kit/service-client';
import { eventually } from './support/eventually';
import { startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';
import { collect, wsClient } from './support/subscriptions';

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('replicas sharing Redis', () => {
  let a: TestPlatform;
  let busB: RedisEventBus;
  let recommendationsB: RunningSubgraph;
  let gatewayB: RunningGateway;

  beforeAll(async () => {
    a = await startTestPlatform({ seed: 13, users: 30, products: 120, orders: 150 });
    const { config } = a.platform;
    busB = new RedisEventBus(process.env.REDIS_URL!, rootLogger, a.eventNamespace);
    const urls = Object.fromEntries(Object.entries(a.platform.subgraphs).map(([name, subgraph]) => [name, subgraph.url])) as Record<
      SubgraphName,
      string
    >;
    recommendationsB = await startSubgraph(
      recommendationsSubgraph,
      {
        prisma: a.platform.db.createClient(),
        bus: busB,
        services: new ServiceClient(urls, config.internalSecret),
        log: rootLogger,
        config,
        namespace: a.eventNamespace,
      },
      { port: 0, host: '127.0.0.1', internalSecret: config.internalSecret },
    );
    gatewayB = await startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: TEST_JWT_SECRET,
      internalSecret: config.internalSecret,
      subscriptionLimits: config.subscriptionLimits,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      subgraphUrls: { ...urls, recommendations: recommendationsB.url },
      log: rootLogger,
    });
  });

  afterAll(async () => {
    await gatewayB?.close();
    await recommendationsB?.close();
    await busB?.close();
    await a?.close();
  });

  it('delivers an update to a subscriber on the other replica', async () => {
    const userId = 'user-0005';
    const token = await a.token(userId);
    const client = wsClient(gatewayB.url, token);
    const updates = collect<{ recommendationsUpdated: { trigger: string; items: { product: { name: string } }[] } }>(
      client,
      `subscription ($userId: ID!) { recommendationsUpdated(userId: $userId) { trigger items { product { name } } } }`,
      { userId },
    );
    await eventually(
      async () => gatewayB.hub.upstreamCount,
      (count) => count === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // the replica's Redis SUBSCRIBE is confirmed asynchronously

    const { products } = await a.client().request<{ products: { edges: { node: { id: string; stock: number } }[] } }>(gql`
      {
        products(first: 30) {
          edges {
            node {
              id
              stock
            }
          }
        }
      }
    `);
    const productId = products.edges.find((edge) => edge.node.stock > 5)!.node.id;
    await a.client(token).request(
      gql`
        mutation ($input: PlaceOrderInput!) {
          placeOrder(input: $input) {
            id
          }
        }
      `,
      {
        input: { idempotencyKey: 'replica-order', items: [{ productId, quantity: 1 }] },
      },
    );

    const update = await updates.next((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED', 5_000);
    expect(update.data!.recommendationsUpdated.items[0].product.name).toEqual(expect.any(String));
    updates.stop();
    await client.dispose();
  });
});
