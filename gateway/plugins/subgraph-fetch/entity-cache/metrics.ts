/** The entity cache's series, in the process's one registry (platform/metrics.ts). */
import { Counter } from 'prom-client';
import { registry } from '../../../../platform/metrics';

export const entityCacheRequests = new Counter({
  name: 'gateway_entity_cache_requests_total',
  help: 'Entity cache lookups, one per entity (a fetch answered partly from the cache counts each of its entities) or root fetch, by type (the entity type, or Query.<field> for a root fetch) and outcome (hit, miss); per fetch, gateway_subgraph_fetch_duration_seconds{cache} says hit, partial or miss',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const entityCacheInvalidations = new Counter({
  name: 'gateway_entity_cache_invalidations_total',
  help: 'Entity changes announced to the gateway (each drops the entries holding that entity), by type and scope (entity, or list when the lists of its type were dropped too)',
  labelNames: ['type', 'scope'] as const,
  registers: [registry],
});

export const entityCacheWrites = new Counter({
  name: 'gateway_entity_cache_writes_total',
  help: 'Entries the entity cache wrote to its store (written after the answer is sent, never holding the request)',
  registers: [registry],
});

export const entityCacheStoreErrors = new Counter({
  name: 'gateway_entity_cache_store_errors_total',
  help: 'Entity cache store operations that failed or timed out (a lookup then counts as a miss and the subgraph answers), by operation',
  labelNames: ['operation'] as const,
  registers: [registry],
});

export const entityCacheFlushes = new Counter({
  name: 'gateway_entity_cache_flushes_total',
  help: 'Times the entity cache was emptied because change announcements may have been missed (its subscription reconnected)',
  registers: [registry],
});
