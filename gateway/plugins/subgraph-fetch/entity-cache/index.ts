/** Builds the gateway's entity cache from configuration (./cache.ts says what it does). */
import type { EntityCacheConfig } from '../../../../platform/config';
import { openEntityChanges } from '../../../../platform/entity-changes';
import type { Logger } from '../../../../platform/logger';
import { EntityCache } from './cache';
import { CacheableSchema } from './schema';
import { MemoryStore, RedisStore } from './store';

export { EntityCache } from './cache';
export { entityCachePlugin } from './plugin';

/** Past this, a Redis lookup counts as a miss and the subgraph answers: a slow cache must cost little. */
const REDIS_LOOKUP_TIMEOUT_MS = 200;

export interface EntityCacheSetup {
  config: EntityCacheConfig;
  supergraphSdl: string;
  /** Redis that entries are shared through and changes are heard on; without it, this process's memory and emitter. */
  redisUrl?: string;
  namespace: string;
  log: Logger;
}

/** The cache, or undefined when it is switched off. */
export function createEntityCache(setup: EntityCacheSetup): EntityCache | undefined {
  const { config, redisUrl, namespace, log } = setup;
  if (!config.enabled) return undefined;
  const store = redisUrl
    ? new RedisStore({ url: redisUrl, namespace, lookupTimeoutMs: REDIS_LOOKUP_TIMEOUT_MS, log })
    : new MemoryStore(config.maxEntries);
  const changes = openEntityChanges({ redisUrl, namespace, log });
  return new EntityCache({
    schema: new CacheableSchema(setup.supergraphSdl),
    store,
    changes,
    ttlMs: config.ttlMs,
    ttlMsBySubgraph: config.ttlMsBySubgraph,
    log,
  });
}
