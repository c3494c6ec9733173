import crypto from 'node:crypto';
import net from 'node:net';
import { rootLogger } from '../../platform/logger';
import { openRedis, closeRedis } from '../../platform/redis';
import { createNonceRegistry, type NonceRegistry } from './nonce-registry';

const log = rootLogger.child({ service: 'nonce-registry-test' });
const TTL = 40_000;

describe('claims nonce registry', () => {
  const open: NonceRegistry[] = [];
  const make = (options: Partial<Parameters<typeof createNonceRegistry>[0]> = {}) => {
    const registry = createNonceRegistry({ namespace: `test-${crypto.randomUUID()}`, service: 'users', log, ...options });
    open.push(registry);
    return registry;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((registry) => registry.close()));
  });

  it('accepts a nonce once', async () => {
    const registry = make();
    await expect(registry.firstUse('a', TTL)).resolves.toBe(true);
    await expect(registry.firstUse('a', TTL)).resolves.toBe(false);
    await expect(registry.firstUse('b', TTL)).resolves.toBe(true);
  });

  it('forgets a nonce after its time to live', async () => {
    const registry = make();
    await expect(registry.firstUse('short', 1)).resolves.toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(registry.firstUse('short', TTL)).resolves.toBe(true);
  });

  it('keeps answering from its own memory when Redis does not answer', async () => {
    // A server that accepts connections and never says a word: the worst kind of Redis outage.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const registry = make({ redisUrl: `redis://127.0.0.1:${port}`, redisTimeoutMs: 50 });
      await expect(registry.firstUse('x', TTL)).resolves.toBe(true);
      await expect(registry.firstUse('x', TTL)).resolves.toBe(false);
      await registry.close();
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  const withRedis = process.env.REDIS_URL ? it : it.skip;
  withRedis('shares nonces between replicas through Redis, per service', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const replicaA = make({ redisUrl: process.env.REDIS_URL, namespace });
    const replicaB = make({ redisUrl: process.env.REDIS_URL, namespace });
    const otherService = make({ redisUrl: process.env.REDIS_URL, namespace, service: 'orders' });
    const nonce = crypto.randomUUID();
    await expect(replicaA.firstUse(nonce, TTL)).resolves.toBe(true);
    await expect(replicaB.firstUse(nonce, TTL)).resolves.toBe(false);
    await expect(otherService.firstUse(nonce, TTL)).resolves.toBe(true);
    // Clean up this test's keys only.
    const redis = openRedis(process.env.REDIS_URL!, { role: 'test cleanup', log });
    try {
      const keys = await redis.keys(`${namespace}:*`);
      expect(keys.length).toBe(2);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(TTL);
      await redis.del(...keys);
    } finally {
      await closeRedis(redis);
    }
  });
});
