/**
 * The replay guard of forwarded claims: each token's nonce (jti) is accepted once while the token
 * could still be valid. In process it is an LRU with a TTL; with REDIS_URL every replica of a
 * subgraph also records it with SET NX PX, so a token used on one replica is refused on the
 * others. Redis is a second line, never a dependency: when it does not answer within a short
 * bound, the in-process record decides and the request goes on.
 */
import { LRUCache } from 'lru-cache';
import type Redis from 'ioredis';
import type { NonceGuard } from '../../platform/forwarded-claims';
import type { Logger } from '../../platform/logger';
import { closeRedis, openRedis } from '../../platform/redis';
import { TIMED_OUT, within } from '../../platform/within';

/** Most nonces one process remembers (about 2,500 requests/s for the 40 s window). */
const MAX_LOCAL_NONCES = 100_000;
/** How long a request waits for Redis before the in-process record alone decides. */
export const NONCE_REDIS_TIMEOUT_MS = 250;

export interface NonceRegistry extends NonceGuard {
  close(): Promise<void>;
}

export interface NonceRegistryOptions {
  redisUrl?: string;
  /** Key prefix of this deployment (shared with the event bus). */
  namespace: string;
  /** Who is asking, so replicas of one subgraph share nonces and different subgraphs never collide. */
  service: string;
  log: Logger;
  redisTimeoutMs?: number;
}

export function createNonceRegistry(options: NonceRegistryOptions): NonceRegistry {
  const local = new LRUCache<string, true>({ max: MAX_LOCAL_NONCES, ttlAutopurge: false, ttl: 60_000 });
  const redis: Redis | undefined = options.redisUrl ? openRedis(options.redisUrl, { role: 'claims nonces', log: options.log }) : undefined;
  const timeoutMs = options.redisTimeoutMs ?? NONCE_REDIS_TIMEOUT_MS;
  let degraded = false;

  const sharedFirstUse = async (nonce: string, ttlMs: number): Promise<boolean> => {
    if (!redis) return true;
    try {
      const answer = await within(
        redis.set(`${options.namespace}:claims-nonce:${options.service}:${nonce}`, '1', 'PX', ttlMs, 'NX'),
        timeoutMs,
      );
      if (answer === TIMED_OUT) throw new Error(`no answer within ${timeoutMs} ms`);
      if (degraded) {
        degraded = false;
        options.log.info('claims nonce registry: redis answers again');
      }
      return answer === 'OK';
    } catch (error) {
      if (!degraded) {
        degraded = true;
        options.log.warn({ err: error }, 'claims nonce registry: redis unavailable, replays checked in process only');
      }
      return true;
    }
  };

  return {
    async firstUse(nonce, ttlMs) {
      if (local.has(nonce)) return false;
      local.set(nonce, true, { ttl: ttlMs });
      return sharedFirstUse(nonce, ttlMs);
    },
    async close() {
      local.clear();
      if (redis) await closeRedis(redis);
    },
  };
}
