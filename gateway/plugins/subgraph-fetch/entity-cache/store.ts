/**
 * Where entity cache entries live: Redis when the deployment has it (every gateway replica shares
 * the entries), otherwise a bounded LRU in this process. Each entry carries tags (the entities it
 * holds, and for lists the types they list), and invalidating a tag drops every entry carrying it.
 */
import crypto from 'node:crypto';
import type Redis from 'ioredis';
import type { Logger } from '../../../../platform/logger';
import { closeRedis, openRedis } from '../../../../platform/redis';
import { TIMED_OUT, within } from '../../../../platform/within';

export interface CacheEntry {
  key: string;
  /** The answer as JSON text: every hit parses its own copy, since the gateway mutates what it merges. */
  value: string;
  tags: string[];
}

export interface EntityCacheStore {
  /** The entries' values, undefined where absent; rejects when the store cannot answer (callers fetch instead). */
  get(keys: string[]): Promise<(string | undefined)[]>;
  set(entries: CacheEntry[], ttlMs: number): Promise<void>;
  /** Drops every entry carrying one of the tags. */
  invalidate(tags: string[]): Promise<void>;
  /** Drops every entry (after announcements may have been missed). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export class MemoryStore implements EntityCacheStore {
  /** Map order is recency order: a hit moves its entry to the end, eviction takes the first. */
  private readonly entries = new Map<string, { value: string; expiresAt: number; tags: string[] }>();
  private readonly byTag = new Map<string, Set<string>>();

  constructor(private readonly maxEntries: number) {}

  async get(keys: string[]): Promise<(string | undefined)[]> {
    const now = Date.now();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      if (!entry) return undefined;
      this.entries.delete(key);
      if (entry.expiresAt <= now) {
        this.untag(key, entry.tags);
        return undefined;
      }
      this.entries.set(key, entry);
      return entry.value;
    });
  }

  async set(entries: CacheEntry[], ttlMs: number): Promise<void> {
    const expiresAt = Date.now() + ttlMs;
    for (const { key, value, tags } of entries) {
      this.remove(key);
      this.entries.set(key, { value, expiresAt, tags });
      for (const tag of tags) {
        const keys = this.byTag.get(tag) ?? new Set<string>();
        keys.add(key);
        this.byTag.set(tag, keys);
      }
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  async invalidate(tags: string[]): Promise<void> {
    for (const tag of tags) {
      for (const key of this.byTag.get(tag) ?? []) this.remove(key);
      this.byTag.delete(tag);
    }
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.byTag.clear();
  }

  close(): Promise<void> {
    return this.clear();
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.untag(key, entry.tags);
  }

  private untag(key: string, tags: string[]): void {
    for (const tag of tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}

/** Members an invalidation moves per command: each step is short, so Redis serves its other clients between steps. */
export const INVALIDATE_BATCH = 500;
/**
 * How much later than its entry (by the writing replica's clock) a tag forgets it: replicas' clocks
 * differ, and a tag must never forget an entry that still lives (its invalidation would miss it).
 */
export const TAG_CLOCK_SKEW_MS = 5000;

export interface RedisStoreOptions {
  url: string;
  /** Prefix of this deployment's keys; gateway replicas of one deployment share it. */
  namespace: string;
  /** The longest a lookup may take before the request fetches from the subgraph instead. */
  lookupTimeoutMs: number;
  log: Logger;
  /** TAG_CLOCK_SKEW_MS unless a test needs to see pruning sooner. */
  clockSkewMs?: number;
}

/**
 * Each tag is a sorted set of the entries carrying it, scored by when each entry expires, so a tag
 * is bounded by the entries written within one TTL: every write prunes the members whose entries
 * have expired, and the tag itself expires with its longest-lived entry. An invalidation renames
 * the tag away in one step (an entry written meanwhile starts a new set and keeps its membership)
 * and drains the renamed set in batches of INVALIDATE_BATCH, never in one long command or script.
 */
export class RedisStore implements EntityCacheStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly clockSkewMs: number;
  /** Set from a clear until it has gone through: until then nothing is served, since anything may be stale. */
  private mustClear = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.prefix = `${options.namespace}:entity-cache:`;
    this.clockSkewMs = options.clockSkewMs ?? TAG_CLOCK_SKEW_MS;
    // Commands fail at once while Redis is away instead of queueing: a late answer is worth nothing here.
    this.redis = openRedis(options.url, { role: 'gateway entity cache', log: options.log, extra: { enableOfflineQueue: false } });
    this.redis.on('ready', () => {
      if (this.mustClear) this.clear().catch(() => undefined);
    });
  }

  async get(keys: string[]): Promise<(string | undefined)[]> {
    if (this.mustClear) throw new Error('entity cache is being emptied');
    const values = await within(this.redis.mget(keys.map((key) => this.entryKey(key))), this.options.lookupTimeoutMs);
    if (values === TIMED_OUT) throw new Error(`entity cache lookup took over ${this.options.lookupTimeoutMs} ms`);
    return values.map((value) => value ?? undefined);
  }

  async set(entries: CacheEntry[], ttlMs: number): Promise<void> {
    const now = Date.now();
    const forgetAfter = ttlMs + this.clockSkewMs;
    const batch = this.redis.multi();
    const tags = new Set<string>();
    for (const { key, value, tags: entryTags } of entries) {
      const entryKey = this.entryKey(key);
      batch.set(entryKey, value, 'PX', ttlMs);
      for (const tag of entryTags) {
        batch.zadd(this.tagKey(tag), now + forgetAfter, entryKey);
        tags.add(tag);
      }
    }
    for (const tag of tags) {
      const tagKey = this.tagKey(tag);
      // Members whose entries expired (by any replica's clock) go; their number is what was written
      // one TTL ago, so each write prunes about as much as it adds.
      batch.zremrangebyscore(tagKey, '-inf', now - 1);
      // The tag lives as long as its longest-lived entry: set when it has no expiry (NX), else only pushed out (GT).
      batch.pexpire(tagKey, forgetAfter, 'NX').pexpire(tagKey, forgetAfter, 'GT');
    }
    await batch.exec();
  }

  async invalidate(tags: string[]): Promise<void> {
    for (const tag of tags) {
      const draining = `${this.tagKey(tag)}:draining:${crypto.randomUUID()}`;
      try {
        // O(1), keeps the tag's expiry: a gateway that dies mid-drain leaves a set that still expires.
        await this.redis.rename(this.tagKey(tag), draining);
      } catch (error) {
        if (String(error).includes('no such key')) continue;
        throw error;
      }
      await this.drain(draining);
    }
  }

  /** Pops and drops a renamed tag's entries a batch at a time; the set is gone with its last member. */
  private async drain(draining: string): Promise<void> {
    for (;;) {
      const popped = await this.redis.zpopmin(draining, INVALIDATE_BATCH);
      const members = popped.filter((_, index) => index % 2 === 0);
      if (members.length > 0) await this.redis.unlink(...members);
      if (members.length < INVALIDATE_BATCH) return;
    }
  }

  /** Keeps trying on every reconnect until it has gone through once. */
  async clear(): Promise<void> {
    this.mustClear = true;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    this.mustClear = false;
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }

  private entryKey(key: string): string {
    return `${this.prefix}e:${key}`;
  }

  /** `tz:` (sorted sets) rather than the `t:` of the plain sets before, which expire on their own. */
  private tagKey(tag: string): string {
    return `${this.prefix}tz:${tag}`;
  }
}
