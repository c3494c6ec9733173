/**
 * The broadcast's one policy, on both backends: listener errors stay with their listener, a
 * publish never throws, losses become gaps, close is bounded. Redis cases run with REDIS_URL.
 */
import crypto from 'node:crypto';
import net from 'node:net';
import type Redis from 'ioredis';
import { openEntityChanges, type EntityChange } from '../entity-changes';
import { rootLogger } from '../logger';
import { broadcastListenerErrors, broadcastPublishDropped } from '../metrics';
import { closeRedis, openRedis } from '../redis';
import { defineChannel, openBroadcast, type Broadcast } from '.';

const NEWS = defineChannel<{ n: number }>('news');

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function counted(counter: typeof broadcastListenerErrors | typeof broadcastPublishDropped, channel: string): Promise<number> {
  const metric = await counter.get();
  return metric.values.filter((value) => value.labels.channel === channel).reduce((sum, value) => sum + value.value, 0);
}

const backends: [string, (namespace: string) => Broadcast][] = [
  ['in-process', (namespace) => openBroadcast({ namespace, log: rootLogger })],
];
if (process.env.REDIS_URL)
  backends.push(['redis', (namespace) => openBroadcast({ redisUrl: process.env.REDIS_URL, namespace, log: rootLogger })]);

describe.each(backends)('broadcast (%s)', (_name, open) => {
  let namespace: string;
  let publisher: Broadcast;
  let subscriber: Broadcast;

  beforeEach(() => {
    namespace = `test-${crypto.randomUUID()}`;
    publisher = open(namespace);
    subscriber = open(namespace);
  });

  afterEach(async () => {
    await Promise.all([publisher.close(), subscriber.close()]);
  });

  it('delivers to every subscriber of the channel until it unsubscribes', async () => {
    const received: number[][] = [[], []];
    const stops = received.map((list) => subscriber.subscribe(NEWS, { message: ({ n }) => void list.push(n), gap: () => undefined }));
    const other: number[] = [];
    subscriber.subscribe(defineChannel<{ n: number }>('other'), { message: ({ n }) => void other.push(n), gap: () => undefined });
    await subscriber.ready();
    expect(await publisher.publish(NEWS, { n: 1 })).toBe(true);
    await until(() => received.every((list) => list.length === 1));
    stops[0]();
    await subscriber.ready();
    await publisher.publish(NEWS, { n: 2 });
    await until(() => received[1].length === 2);
    expect(received).toEqual([[1], [1, 2]]);
    expect(other).toEqual([]);
  });

  it('calls every other listener when one throws or rejects, and counts the failures', async () => {
    const before = await counted(broadcastListenerErrors, 'news');
    const received: number[] = [];
    subscriber.subscribe(NEWS, {
      message: () => {
        throw new Error('listener bug');
      },
      gap: () => undefined,
    });
    subscriber.subscribe(NEWS, { message: () => Promise.reject(new Error('async listener bug')), gap: () => undefined });
    subscriber.subscribe(NEWS, { message: ({ n }) => void received.push(n), gap: () => undefined });
    await subscriber.ready();
    expect(await publisher.publish(NEWS, { n: 7 })).toBe(true);
    await until(() => received.length === 1);
    // Let the rejection be seen.
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([7]);
    expect((await counted(broadcastListenerErrors, 'news')) - before).toBe(2);
  });

  it('drops what is published after close, without throwing', async () => {
    await publisher.close();
    expect(await publisher.publish(NEWS, { n: 1 })).toBe(false);
  });
});

describe('broadcast in-process', () => {
  it('has called every listener when publish resolves', async () => {
    const broadcast = openBroadcast({ namespace: `test-${crypto.randomUUID()}`, log: rootLogger });
    const received: number[] = [];
    broadcast.subscribe(NEWS, { message: ({ n }) => void received.push(n), gap: () => undefined });
    const publishing = broadcast.publish(NEWS, { n: 1 });
    expect(received).toEqual([1]);
    await publishing;
    await broadcast.close();
  });
});

/** A TCP hop in front of Redis that can go away and come back, as Redis seen from one process would. */
async function hop(port: number): Promise<{ url: string; cut(): Promise<void>; restore(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let listenPort = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(port, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => sockets.delete(socket));
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(listenPort, '127.0.0.1', () => {
        listenPort = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    cut: async () => {
      const current = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (current) await new Promise((resolve) => current.close(resolve));
    },
    restore: () => (server ? Promise.resolve() : listen()),
  };
}

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('broadcast over Redis (REDIS_URL)', () => {
  const redisUrl = process.env.REDIS_URL!;
  let admin: Redis;
  beforeAll(() => {
    admin = openRedis(redisUrl, { role: 'test admin', log: rootLogger });
  });
  afterAll(() => closeRedis(admin));

  /** Kills the broadcast subscriber connections of a namespace, as a Redis restart or a network blip would. */
  async function killSubscribers(namespace: string): Promise<void> {
    const subscribed = async () =>
      ((await admin.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(` name=${namespace}:broadcast `) && !line.includes(' sub=0 '))
        .map((line) => /id=(\d+)/.exec(line)![1]);
    const deadline = Date.now() + 5_000;
    let ids = await subscribed();
    while (ids.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ids = await subscribed();
    }
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await admin.client('KILL', 'ID', id);
  }

  it('gives every subscriber a gap after its connection came back, then delivers again', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const publisher = openBroadcast({ redisUrl, namespace, log: rootLogger });
    const subscriber = openBroadcast({ redisUrl, namespace, log: rootLogger });
    const gaps: string[] = [];
    const received: number[] = [];
    subscriber.subscribe(NEWS, { message: ({ n }) => void received.push(n), gap: () => void gaps.push('a') });
    subscriber.subscribe(NEWS, {
      message: () => undefined,
      gap: () => {
        gaps.push('b');
        throw new Error('a gap listener that fails keeps no one else from their gap');
      },
    });
    subscriber.subscribe(defineChannel('quiet'), { message: () => undefined, gap: () => void gaps.push('quiet') });
    try {
      await subscriber.ready();
      await killSubscribers(namespace);
      // Published while the subscriber was away: lost, which the gap says.
      expect(await admin.publish(`${namespace}:news`, JSON.stringify({ n: 1 }))).toBe(0);
      await until(() => gaps.length === 3);
      expect(gaps.sort()).toEqual(['a', 'b', 'quiet']);
      // The gap comes once the subscription is back: what follows it arrives.
      await publisher.publish(NEWS, { n: 2 });
      await until(() => received.length === 1);
      expect(received).toEqual([2]);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
  });

  it('gives the entity cache its gap after a reconnect, as before the broadcast', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const changes = openEntityChanges({ redisUrl, namespace, log: rootLogger });
    const heard: EntityChange[][] = [];
    let missed = 0;
    changes.subscribe({ message: (list) => void heard.push(list), gap: () => void missed++ });
    try {
      await killSubscribers(namespace);
      await until(() => missed === 1);
      await changes.publish([{ typename: 'Product', key: { id: 'p1' }, reshapesLists: false }]);
      await until(() => heard.length === 1);
      expect(heard[0][0].key).toEqual({ id: 'p1' });
    } finally {
      await changes.close();
    }
  });

  it('drops at once while the publisher cannot reach Redis, and announces the gap when it can again', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const { port } = new URL(redisUrl);
    const route = await hop(Number(port || 6379));
    const publisher = openBroadcast({ redisUrl: route.url, namespace, log: rootLogger });
    const subscriber = openBroadcast({ redisUrl, namespace, log: rootLogger });
    let gaps = 0;
    const received: number[] = [];
    subscriber.subscribe(NEWS, { message: ({ n }) => void received.push(n), gap: () => void gaps++ });
    try {
      await subscriber.ready();
      expect(await publisher.publish(NEWS, { n: 1 })).toBe(true);
      await until(() => received.length === 1);
      const dropped = await counted(broadcastPublishDropped, 'news');
      await route.cut();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      expect(await publisher.publish(NEWS, { n: 2 })).toBe(false);
      expect(Date.now() - started).toBeLessThan(500);
      expect((await counted(broadcastPublishDropped, 'news')) - dropped).toBe(1);
      expect(gaps).toBe(0);
      await route.restore();
      await until(() => gaps === 1);
      expect(received).toEqual([1]);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
      await route.cut();
    }
  });

  it('closes within a bound while Redis is unreachable, with no unhandled error', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const { port } = new URL(redisUrl);
    const route = await hop(Number(port || 6379));
    const broadcast = openBroadcast({ redisUrl: route.url, namespace, log: rootLogger });
    broadcast.subscribe(NEWS, { message: () => undefined, gap: () => undefined });
    await broadcast.ready();
    await route.cut();
    expect(await broadcast.publish(NEWS, { n: 1 })).toBe(false);
    const started = Date.now();
    await broadcast.close();
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
