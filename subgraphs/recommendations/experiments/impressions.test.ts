/**
 * The attribution store, in memory always and on the real Redis when REDIS_URL is set; its clock is
 * moved by the test instead of waited for. A Redis that cannot be reached answers "never shown".
 */
import crypto from 'node:crypto';
import net from 'node:net';
import { rootLogger } from '../../../platform/logger';
import { closeRedis, openRedis } from '../../../platform/redis';
import { MemoryImpressionStore, RedisImpressionStore, type ImpressionStore, type ImpressionStoreOptions } from './impressions';
import { RecommendationVariant } from '../presentation/recommendation';

const { ONE_STAGE, TWO_STAGE } = RecommendationVariant;
const WINDOW_MS = 60_000;

type Make = (options: ImpressionStoreOptions) => ImpressionStore;
const stores: [string, Make][] = [['memory', (options) => new MemoryImpressionStore(options)]];
if (process.env.REDIS_URL) {
  stores.push(['redis', (options) => new RedisImpressionStore(process.env.REDIS_URL!, `test-${crypto.randomUUID()}`, rootLogger, options)]);
}

describe.each(stores)('impression store (%s)', (_name, make) => {
  let clock = 1_000_000;
  let store: ImpressionStore;
  beforeEach(() => {
    clock = 1_000_000;
    store = make({ windowMs: WINDOW_MS, now: () => clock });
  });
  afterEach(() => store.close());

  it('answers the variant of the last impression of each product to that user, and nothing for others', async () => {
    await store.remember('user-1', ['p1', 'p2'], ONE_STAGE);
    await store.remember('user-1', ['p2', 'p3'], TWO_STAGE);
    expect(await store.variantsOf('user-1', ['p1', 'p2', 'p3', 'p4'])).toEqual([ONE_STAGE, TWO_STAGE, TWO_STAGE, undefined]);
    expect(await store.variantsOf('user-2', ['p1'])).toEqual([undefined]);
    expect(await store.variantsOf('user-1', [])).toEqual([]);
  });

  it('forgets an impression once the attribution window has passed', async () => {
    await store.remember('user-1', ['p1'], ONE_STAGE);
    clock += WINDOW_MS / 2;
    await store.remember('user-1', ['p2'], TWO_STAGE);
    clock += WINDOW_MS / 2 + 1;
    expect(await store.variantsOf('user-1', ['p1', 'p2'])).toEqual([undefined, TWO_STAGE]);
  });

  it("lists one user's impressions within the window, oldest first, for the user's data export", async () => {
    await store.remember('user-1', ['p1'], ONE_STAGE);
    clock += 10;
    await store.remember('user-1', ['p2', 'p3'], TWO_STAGE);
    await store.remember('user-2', ['p9'], ONE_STAGE);
    expect(await store.impressionsOf('user-1')).toEqual([
      { productId: 'p1', variant: ONE_STAGE, shownAt: 1_000_000 },
      { productId: 'p2', variant: TWO_STAGE, shownAt: 1_000_010 },
      { productId: 'p3', variant: TWO_STAGE, shownAt: 1_000_010 },
    ]);
    clock += WINDOW_MS - 5;
    expect((await store.impressionsOf('user-1')).map((impression) => impression.productId)).toEqual(['p2', 'p3']);
    expect(await store.impressionsOf('user-3')).toEqual([]);
  });
});

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('impression store on Redis', () => {
  it('keeps one hash per user that expires a window after its last impression, capped at the newest products', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    let clock = 1_000_000;
    const store = new RedisImpressionStore(process.env.REDIS_URL!, namespace, rootLogger, { windowMs: WINDOW_MS, now: () => clock }, 5);
    const admin = openRedis(process.env.REDIS_URL!, { role: 'test', log: rootLogger });
    try {
      for (let i = 0; i < 8; i++) {
        clock += 1;
        await store.remember('user-1', [`p${i}`], ONE_STAGE);
      }
      const key = `${namespace}:recs:seen:user-1`;
      const ttl = await admin.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
      expect((await admin.hkeys(key)).sort()).toEqual(['p3', 'p4', 'p5', 'p6', 'p7']);
    } finally {
      await closeRedis(admin);
      await store.close();
    }
  });
});

describe('impression store when Redis cannot be reached', () => {
  it('remembers nothing and answers "never shown", without throwing', async () => {
    // A port that was just free and is closed again: connections are refused, as from a dead Redis.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const warnings: unknown[] = [];
    const log = rootLogger.child({});
    log.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof log.warn;
    const store = new RedisImpressionStore(`redis://127.0.0.1:${port}`, 'test', log);
    try {
      await expect(store.remember('user-1', ['p1'], ONE_STAGE)).resolves.toBeUndefined();
      await expect(store.variantsOf('user-1', ['p1', 'p2'])).resolves.toEqual([undefined, undefined]);
      await expect(store.variantsOf('user-1', ['p1'])).resolves.toEqual([undefined]);
      // One line for the store's outage (and one from the connection), not one per call.
      expect(warnings.filter((args) => String((args as unknown[])[1]).includes('impressions unavailable'))).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
