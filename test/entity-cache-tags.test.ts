/**
 * The entity cache's tags on the real Redis (the Redis that also carries events, rate limits and
 * nonces): a tag forgets entries that have expired and expires with its longest-lived entry, so
 * tags stay bounded however long a gateway runs; invalidating a tag of thousands of entries drops
 * every one of them in short steps, never one command or script over the whole set.
 */
import type Redis from 'ioredis';
import { rootLogger } from '../platform/logger';
import { closeRedis, openRedis } from '../platform/redis';
import { INVALIDATE_BATCH, RedisStore } from '../gateway/plugins/subgraph-fetch/entity-cache/store';
import { eventually } from './support/eventually';
import { deleteNamespace } from './support/redis-proxy';

const REDIS_URL = process.env.REDIS_URL;
const describeWithRedis = REDIS_URL ? describe : describe.skip;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('entity cache tags in Redis', () => {
  const namespace = `entity-cache-tags-${process.pid}-${Date.now()}`;
  const tagKey = (tag: string) => `${namespace}:entity-cache:tz:${tag}`;
  let redis: Redis;
  let store: RedisStore;

  beforeAll(async () => {
    redis = openRedis(REDIS_URL!, { role: 'test', log: rootLogger });
    // No clock skew allowance: this process is the only writer, and the test sees pruning at once.
    store = new RedisStore({ url: REDIS_URL!, namespace, lookupTimeoutMs: 2000, log: rootLogger, clockSkewMs: 0 });
    // The store queues nothing while it connects (a late answer is worth nothing to a gateway): wait for it.
    await eventually(
      () =>
        store.get(['warm-up']).then(
          () => true,
          () => false,
        ),
      (ready) => ready,
    );
  });

  afterAll(async () => {
    await store?.close();
    await closeRedis(redis);
    await deleteNamespace(REDIS_URL!, namespace);
  });

  it('forgets entries that expired, so a tag written to all day holds only what lives', async () => {
    // Written more often than entries live, the tag never expires as a whole: only pruning bounds it.
    const [rounds, perRound, ttlMs, everyMs] = [12, 50, 100, 40];
    for (let round = 0; round < rounds; round++) {
      await store.set(
        Array.from({ length: perRound }, (_, index) => ({ key: `short-${round}-${index}`, value: '1', tags: ['Product:*'] })),
        ttlMs,
      );
      await sleep(everyMs);
    }
    // At most the rounds written within one TTL (timers only ever fire late, which leaves fewer).
    expect(await redis.zcard(tagKey('Product:*'))).toBeLessThanOrEqual(Math.ceil(ttlMs / everyMs) * perRound);
    await sleep(ttlMs);
    await store.set([{ key: 'live', value: '1', tags: ['Product:*'] }], 60_000);
    expect(await redis.zcard(tagKey('Product:*'))).toBe(1);
  });

  it('outlives none of its entries and no entry outlives it', async () => {
    await store.set([{ key: 'long', value: '1', tags: ['Product:long'] }], 60_000);
    await store.set([{ key: 'brief', value: '1', tags: ['Product:long'] }], 1000);
    // The longer entry still needs the tag: a later, shorter entry must not cut its life short.
    expect(await redis.pttl(tagKey('Product:long'))).toBeGreaterThan(50_000);
    await store.set([{ key: 'gone-soon', value: '1', tags: ['Product:brief'] }], 100);
    const ttl = await redis.pttl(tagKey('Product:brief'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100);
    await sleep(150);
    expect(await redis.exists(tagKey('Product:brief'))).toBe(0);
  });

  it('invalidates a tag of thousands of entries in bounded steps and drops every one of them', async () => {
    const keys = Array.from({ length: 5 * INVALIDATE_BATCH + 7 }, (_, index) => `big-${index}`);
    for (let start = 0; start < keys.length; start += 1000) {
      await store.set(
        keys.slice(start, start + 1000).map((key) => ({ key, value: '1', tags: ['Product:big'] })),
        60_000,
      );
    }
    await store.set([{ key: 'bystander', value: '1', tags: ['Product:other'] }], 60_000);
    expect(await redis.zcard(tagKey('Product:big'))).toBe(keys.length);

    // Every command the store sends while invalidating, as Redis received it.
    const monitor = await redis.monitor();
    const commands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.startsWith(namespace))) commands.push(args);
    });
    await store.invalidate(['Product:big']);
    await sleep(100);
    monitor.disconnect();

    expect(await store.get(keys)).toEqual(keys.map(() => undefined));
    expect(await store.get(['bystander'])).toEqual(['1']);
    expect(await redis.keys(`${namespace}:entity-cache:tz:Product:big*`)).toEqual([]);
    expect(commands.length).toBeGreaterThan(keys.length / INVALIDATE_BATCH);
    for (const [name, ...args] of commands) {
      expect(['rename', 'zpopmin', 'unlink']).toContain(name.toLowerCase());
      if (name.toLowerCase() === 'zpopmin') expect(Number(args[1])).toBeLessThanOrEqual(INVALIDATE_BATCH);
      else expect(args.length).toBeLessThanOrEqual(INVALIDATE_BATCH + 1);
    }
  });
});
