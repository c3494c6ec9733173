/**
 * The one way to open a Redis connection. Every client in the platform (event bus, caches, rate
 * limiter, replay guard) gets the same failure behaviour: commands fail within a bound instead of
 * queueing forever, reconnects never back off beyond a second, an outage is logged once (not once
 * per retry), and closing never waits on a server that is gone.
 */
import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from './logger';
import { within } from './within';

/** A command that has not been answered by then fails, so no request waits on a dead Redis. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 1000;
const CLOSE_TIMEOUT_MS = 1000;

export interface RedisConnectionOptions {
  /** Says which client this is in the outage log line. */
  role: string;
  log: Logger;
  /**
   * For connections that block (XREADGROUP BLOCK) or subscribe: no command timeout, because a
   * blocking read legitimately waits, and retries without limit, because the loop owns retrying.
   */
  blocking?: boolean;
  /** Extra ioredis options for a client with special needs; the failure settings above still win. */
  extra?: RedisOptions;
}

export function openRedis(url: string, options: RedisConnectionOptions): Redis {
  const client = new Redis(url, {
    ...options.extra,
    connectTimeout: 2000,
    commandTimeout: options.blocking ? undefined : REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: options.blocking ? null : 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    disconnectTimeout: 0,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    options.log.warn({ err: error, redis: options.role }, 'redis unavailable; retrying every second at most');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.log.info({ redis: options.role }, 'redis connection restored');
  });
  return client;
}

/** QUIT when the server answers; otherwise drop the socket. Either way done within a second. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await within(
      client.quit().catch(() => undefined),
      CLOSE_TIMEOUT_MS,
    );
  } finally {
    dropRedis(client);
  }
}

/** The queues ioredis keeps commands in; not in its typings. */
interface QueuedCommands {
  flushQueue?: (error: Error) => void;
  prevCommandQueue?: { shift(): { command: { reject(error: Error): void } } | undefined } | null;
}

/**
 * Drops the connection at once and fails every command still waiting on it. ioredis alone leaves
 * some pending forever, and whoever awaits them with it (a blocking read, a shutdown): disconnect()
 * between reconnect attempts has no socket whose closing would fail the queued commands
 * (redis/ioredis#2169), and commands in flight when a connection dropped wait in a stash that only
 * a successful reconnect empties (redis/ioredis#2197). A client without a command timeout (the
 * blocking ones) would wait there for as long as Redis is away.
 */
export function dropRedis(client: Redis): void {
  client.disconnect();
  const queues = client as unknown as QueuedCommands;
  const error = new Error('Connection is closed.');
  queues.flushQueue?.(error);
  for (let item = queues.prevCommandQueue?.shift(); item; item = queues.prevCommandQueue?.shift()) item.command.reject(error);
}
