/**
 * A dashboard subscription through the real gateway and graphql-ws client across a Redis
 * reconnect of the recommendations service's live-update subscription: an update published while
 * it was away is lost to pub/sub, and the dashboard is not left showing the old list silently —
 * it receives the current recommendations, marked RESYNC. Needs REDIS_URL.
 */
import type Redis from 'ioredis';
import { rootLogger } from '../platform/logger';
import { closeRedis, openRedis } from '../platform/redis';
import { eventually } from './support/eventually';
import { startTestPlatform, type TestPlatform } from './support/platform';
import { deleteNamespace } from './support/redis-proxy';
import { collect, wsClient } from './support/subscriptions';

const UPDATES = `
  subscription ($userId: ID!) {
    recommendationsUpdated(userId: $userId) {
      trigger
      items { score product { id name } }
    }
  }
`;

interface Update {
  recommendationsUpdated: { trigger: string; items: { score: number; product: { id: string; name: string } }[] };
}

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('live updates across a Redis reconnect (REDIS_URL)', () => {
  let t: TestPlatform;
  let admin: Redis;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 5, users: 40, products: 200, orders: 300 });
    admin = openRedis(process.env.REDIS_URL!, { role: 'test admin', log: rootLogger });
  });

  afterAll(async () => {
    await t?.close();
    if (admin) await closeRedis(admin);
    if (t) await deleteNamespace(process.env.REDIS_URL!, t.eventNamespace);
  });

  it('pushes the current recommendations to a dashboard whose updates may have been missed', async () => {
    const userId = 'user-0003';
    const channel = `${t.eventNamespace}:live:recommendations.updated`;
    const client = wsClient(t.url, await t.token(userId));
    const updates = collect<Update>(client, UPDATES, { userId });
    try {
      // The recommendations service listens for updates of its dashboards on Redis.
      const listening = await eventually(
        async () => ((await admin.pubsub('NUMSUB', channel)) as [string, number])[1],
        (count) => count === 1,
        10_000,
      );
      expect(listening).toBe(1);

      // Its connection drops; an update published meanwhile reaches nobody.
      const broadcastConnections = ((await admin.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${t.eventNamespace}:broadcast `))
        .map((line) => /id=(\d+)/.exec(line)![1]);
      for (const id of broadcastConnections) await admin.client('KILL', 'ID', id);
      const missed = { userId, trigger: 'ORDER_PLACED', items: [], publishedAt: new Date().toISOString() };
      expect(await admin.publish(channel, JSON.stringify(missed))).toBe(0);

      const resynced = await updates.next((result) => result.data?.recommendationsUpdated.trigger === 'RESYNC', 20_000);
      expect(resynced.errors).toBeUndefined();
      const items = resynced.data!.recommendationsUpdated.items;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item) => item.product.name.length > 0)).toBe(true);
      expect(updates.results.some((result) => result.data?.recommendationsUpdated.trigger === 'ORDER_PLACED')).toBe(false);
    } finally {
      updates.stop();
      await client.dispose();
    }
  });
});
