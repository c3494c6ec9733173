/**
 * Where entity cache entries live: Redis when the deployment has it (every gateway replica shares
 * the entries), otherwise a bounded LRU in this process. Each entry carries tags (the entities it
 * holds, and for lists the types they list), and invalidating a tag drops every entry carrying it.
 */
import type Redis from 'ioredis';
import type { Logger } from '../../platform/logger';
import { closeRedis, openRedis } from '../../platform/redis';
import { TIMED_OUT, within } from '../../platform/within';

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

/**
 * Drops the members of each tag set and the sets, in one step, so an entry added to a set while
 * it is being dropped cannot lose its membership (and with it, its invalidation).
 */
const INVALIDATE_SCRIPT = `
for _, tag in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', tag)
  for i = 1, #members, 500 do
    redis.call('UNLINK', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('UNLINK', tag)
end
return 0`;

export interface RedisStoreOptions {
  url: string;
  /** Prefix of this deployment's keys; gateway replicas of one deployment share it. */
  namespace: string;
  /** The longest a lookup may take before the request fetches from the subgraph instead. */
  lookupTimeoutMs: number;
  log: Logger;
}

export class RedisStore implements EntityCacheStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  /** Set from a clear until it has gone through: until then nothing is served, since anything may be stale. */
  private mustClear = false;

  constructor(private readonly options: RedisStoreOptions) {
    this.prefix = `${options.namespace}:entity-cache:`;
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
    const batch = this.redis.multi();
    for (const { key, value, tags } of entries) {
      const entryKey = this.entryKey(key);
      batch.set(entryKey, value, 'PX', ttlMs);
      // A tag set outlives none of its members' entries: each new member pushes its expiry out.
      for (const tag of tags) batch.sadd(this.tagKey(tag), entryKey).pexpire(this.tagKey(tag), ttlMs);
    }
    await batch.exec();
  }

  async invalidate(tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.redis.eval(INVALIDATE_SCRIPT, tags.length, ...tags.map((tag) => this.tagKey(tag)));
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

  private tagKey(tag: string): string {
    return `${this.prefix}t:${tag}`;
  }
}
