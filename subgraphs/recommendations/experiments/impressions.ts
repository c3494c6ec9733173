/**
 * Attribution for the A/B between pipelines: which variant last showed a product to a user, for
 * a window, so a later view, add to cart or purchase of it counts for that variant. In Redis when
 * REDIS_URL is set (a hash per user, field product → variant and time, the key expiring a window
 * after its last write), so an impression served by one replica is found by another; in a bounded
 * in-process LRU otherwise. Attribution is telemetry: when Redis cannot answer, nothing is
 * counted and nothing fails or waits past Redis's command bound.
 */
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from '../../../platform/logger';
import { closeRedis, openRedis } from '../../../platform/redis';
import { RecommendationVariant } from '../presentation/recommendation';

/** How long after an impression an interaction with the product still counts for its variant. */
export const ATTRIBUTION_WINDOW_MS = 24 * 3600_000;
/** Products remembered per user in Redis; past it the oldest are dropped (a page of 100 at a time is the most one impression adds). */
export const MAX_PRODUCTS_PER_USER = 500;
/** (user, product) pairs remembered in one process without Redis. */
const MEMORY_ENTRIES = 200_000;

/** Never rejects: a store that cannot answer remembers nothing and answers "never shown". */
export interface ImpressionStore {
  /** Remembers that `variant` showed these products to the user (now). */
  remember(userId: string, productIds: string[], variant: RecommendationVariant): Promise<void>;
  /** The variant of the last impression of each product to the user within the window; undefined for none. */
  variantsOf(userId: string, productIds: string[]): Promise<(RecommendationVariant | undefined)[]>;
  /**
   * Every impression of the user still within the window, for the user's data export. Unlike the
   * rest, it rejects when the store cannot answer: an export must not come out silently incomplete.
   */
  impressionsOf(userId: string): Promise<Impression[]>;
  /** Drops every impression of the user (erasure); rejects when it could not, so the caller retries. */
  forget(userId: string): Promise<void>;
  close(): Promise<void>;
}

/** One remembered impression: the last time `variant` showed the product to the user (epoch milliseconds). */
export interface Impression {
  productId: string;
  variant: RecommendationVariant;
  shownAt: number;
}

const VARIANTS = new Set<string>(Object.values(RecommendationVariant));

export interface ImpressionStoreOptions {
  windowMs?: number;
  /** The clock impressions are timed by (tests move it instead of waiting). */
  now?: () => number;
}

export class MemoryImpressionStore implements ImpressionStore {
  private readonly lru: LRUCache<string, { variant: RecommendationVariant; at: number }>;
  /** When an impression happened, as the Redis store times it (the window itself runs on the LRU's clock). */
  private readonly now: () => number;

  constructor({ windowMs = ATTRIBUTION_WINDOW_MS, now }: ImpressionStoreOptions = {}, maxEntries = MEMORY_ENTRIES) {
    this.lru = new LRUCache({ max: maxEntries, ttl: windowMs, ...(now ? { perf: { now }, ttlResolution: 0 } : {}) });
    this.now = now ?? Date.now;
  }

  async remember(userId: string, productIds: string[], variant: RecommendationVariant) {
    const at = this.now();
    for (const productId of productIds) this.lru.set(`${userId}\u0000${productId}`, { variant, at });
  }

  async variantsOf(userId: string, productIds: string[]) {
    return productIds.map((productId) => this.lru.get(`${userId}\u0000${productId}`)?.variant);
  }

  /** A scan of the whole LRU: an export is rare, and keeping a per-user index for it would cost every impression. */
  async impressionsOf(userId: string) {
    const prefix = `${userId}\u0000`;
    const found: Impression[] = [];
    // entries() skips what the TTL has already expired.
    for (const [key, value] of this.lru.entries()) {
      if (key.startsWith(prefix)) found.push({ productId: key.slice(prefix.length), variant: value.variant, shownAt: value.at });
    }
    return found.sort((a, b) => a.shownAt - b.shownAt || a.productId.localeCompare(b.productId));
  }

  async forget(userId: string) {
    const prefix = `${userId}\u0000`;
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  async close() {
    this.lru.clear();
  }
}

export class RedisImpressionStore implements ImpressionStore {
  private readonly redis: Redis;
  /** Set while Redis fails, so an outage is logged once rather than once per request. */
  private failing = false;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    url: string,
    private readonly namespace: string,
    private readonly log: Logger,
    options: ImpressionStoreOptions = {},
    private readonly maxPerUser = MAX_PRODUCTS_PER_USER,
  ) {
    this.redis = openRedis(url, { role: 'recommendation impressions', log });
    this.windowMs = options.windowMs ?? ATTRIBUTION_WINDOW_MS;
    this.now = options.now ?? Date.now;
  }

  private key(userId: string) {
    return `${this.namespace}:recs:seen:${userId}`;
  }

  async remember(userId: string, productIds: string[], variant: RecommendationVariant) {
    if (productIds.length === 0) return;
    const key = this.key(userId);
    const value = `${variant}:${this.now()}`;
    await this.guard(async () => {
      const results = await this.redis
        .multi()
        .hset(key, Object.fromEntries(productIds.map((id) => [id, value])))
        .pexpire(key, this.windowMs)
        .hlen(key)
        .exec();
      const size = Number(results?.[2]?.[1] ?? 0);
      if (size > this.maxPerUser) await this.trim(key);
    }, undefined);
  }

  async variantsOf(userId: string, productIds: string[]) {
    if (productIds.length === 0) return [];
    return this.guard(
      async () => {
        const values = await this.redis.hmget(this.key(userId), ...productIds);
        const since = this.now() - this.windowMs;
        return values.map((value) => this.parse(value, since));
      },
      productIds.map(() => undefined),
    );
  }

  async impressionsOf(userId: string) {
    const all = await this.redis.hgetall(this.key(userId));
    const since = this.now() - this.windowMs;
    const found: Impression[] = [];
    for (const [productId, value] of Object.entries(all)) {
      const variant = this.parse(value, since);
      if (variant) found.push({ productId, variant, shownAt: Number(value.split(':')[1]) });
    }
    return found.sort((a, b) => a.shownAt - b.shownAt || a.productId.localeCompare(b.productId));
  }

  async forget(userId: string) {
    await this.redis.del(this.key(userId));
  }

  async close() {
    await closeRedis(this.redis);
  }

  /** Drops what fell out of the window and, past the cap, the oldest impressions: the hash stays bounded for the busiest user. */
  private async trim(key: string) {
    const all = Object.entries(await this.redis.hgetall(key)).map(([productId, value]) => ({ productId, at: Number(value.split(':')[1]) }));
    all.sort((a, b) => b.at - a.at);
    const since = this.now() - this.windowMs;
    const drop = all.filter((entry, index) => index >= this.maxPerUser || !(entry.at >= since)).map((entry) => entry.productId);
    if (drop.length > 0) await this.redis.hdel(key, ...drop);
  }

  private parse(value: string | null, since: number): RecommendationVariant | undefined {
    if (!value) return undefined;
    const [variant, at] = value.split(':');
    // The key lives a window after its last write; an older field inside it is past its own window.
    if (!VARIANTS.has(variant) || !(Number(at) >= since)) return undefined;
    return variant as RecommendationVariant;
  }

  private async guard<T>(work: () => Promise<T>, otherwise: T): Promise<T> {
    try {
      const result = await work();
      if (this.failing) this.log.info('recommendation impressions recorded again');
      this.failing = false;
      return result;
    } catch (error) {
      if (!this.failing)
        this.log.warn({ err: error }, 'recommendation impressions unavailable; A/B interactions are not counted meanwhile');
      this.failing = true;
      return otherwise;
    }
  }
}
