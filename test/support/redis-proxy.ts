/**
 * A TCP proxy between the platform and the shared Redis (or PostgreSQL), so a test can "kill" Redis for its own
 * platform only: stop() drops every connection and refuses new ones (as a dead server does),
 * start() listens again on the same port. The shared Redis itself is never touched.
 */
import net from 'node:net';
import { rootLogger } from '../../platform/logger';
import { closeRedis, openRedis } from '../../platform/redis';

export interface RedisProxy {
  /** redis:// URL of the proxy (same database number and credentials as the target). */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(targetUrl: string): Promise<RedisProxy> {
  const target = new URL(targetUrl);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return { url: url.toString(), stop: proxy.stop, start: proxy.start, close: proxy.close };
}

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones (as a dead server does). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The proxy itself, for any TCP server (PostgreSQL too). */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = net.createServer((client) => {
        const upstream = net.connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          // A reset on one side ends the pair; errors are expected when the proxy stops.
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as net.AddressInfo).port;
        server = next;
        resolve();
      });
    });

  const stop = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    stop,
    start: () => (server ? Promise.resolve() : listen()),
    close: stop,
  };
}

/**
 * Deletes every key of one namespace (streams, groups, caches) from the real Redis: this test's
 * Redis "restarted empty", while other tests' keys stay where they are.
 */
export async function deleteNamespace(redisUrl: string, namespace: string): Promise<number> {
  const redis = openRedis(redisUrl, { role: 'test cleanup', log: rootLogger });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await closeRedis(redis);
  }
  return deleted;
}
