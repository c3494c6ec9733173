/**
 * Model candidates per user, cached with a TTL: in Redis when REDIS_URL is set (shared by every
 * replica, so an invalidation anywhere is seen everywhere), in an in-process LRU otherwise.
 * A user's entry is dropped when their order or interaction events arrive, and when they hide a product.
 */
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../platform/logger';
import { closeRedis, openRedis } from '../../../platform/redis';
import { cacheLookups } from '../metrics';

export interface CachedCandidates {
  version: string;
  candidates: { productId: string; score: number; reason: string }[];
  /**
   * The user's bought and hidden products when the list was made. The events that change them drop
   * the list, so a cached list needs no read of them; absent in entries written before it existed.
   */
  exclude?: string[];
}

export interface CandidateCache {
  getMany(userIds: string[]): Promise<(CachedCandidates | undefined)[]>;
  set(userId: string, value: CachedCandidates): Promise<void>;
  invalidate(userId: string): Promise<void>;
  close(): Promise<void>;
}

export const CACHE_TTL_MS = 10 * 60_000;

function count(values: (CachedCandidates | undefined)[]) {
  const hits = values.filter(Boolean).length;
  cacheLookups.inc({ result: 'hit' }, hits);
  cacheLookups.inc({ result: 'miss' }, values.length - hits);
  return values;
}

export class MemoryCandidateCache implements CandidateCache {
  private readonly lru = new LRUCache<string, CachedCandidates>({ max: 50_000, ttl: CACHE_TTL_MS });

  async getMany(userIds: string[]) {
    return count(userIds.map((id) => this.lru.get(id)));
  }

  async set(userId: string, value: CachedCandidates) {
    this.lru.set(userId, value);
  }

  async invalidate(userId: string) {
    this.lru.delete(userId);
  }

  async close() {
    this.lru.clear();
  }
}

export class RedisCandidateCache implements CandidateCache {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly namespace: string,
    log: Logger,
  ) {
    this.redis = openRedis(url, { role: 'recommendation cache', log });
  }

  private key(userId: string) {
    return `${this.namespace}:recs:${userId}`;
  }

  async getMany(userIds: string[]) {
    if (userIds.length === 0) return [];
    // A cache that cannot answer is a miss, not an error: the model answers instead.
    const raw = await this.redis.mget(userIds.map((id) => this.key(id))).catch(() => userIds.map(() => null));
    return count(raw.map((value) => (value ? (JSON.parse(value) as CachedCandidates) : undefined)));
  }

  async set(userId: string, value: CachedCandidates) {
    await this.redis.set(this.key(userId), JSON.stringify(value), 'PX', CACHE_TTL_MS).catch(() => undefined);
  }

  async invalidate(userId: string) {
    await this.redis.del(this.key(userId));
  }

  async close() {
    await closeRedis(this.redis);
  }
}

/** No caching at all (RECOMMENDATIONS_CACHE=off): every request asks the model. */
export class NoCandidateCache implements CandidateCache {
  async getMany(userIds: string[]) {
    return count(userIds.map(() => undefined));
  }

  async set() {}

  async invalidate() {}

  async close() {}
}
