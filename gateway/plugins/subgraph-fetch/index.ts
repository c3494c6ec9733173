/** The steps every subgraph fetch goes through, outermost first. */
import type { Logger } from '../../../platform/logger';
import type { ServiceTracing } from '../../../platform/telemetry';
import type { GatewayPlugin } from '../../pipeline/plugin';
import { claimSigningPlugin } from './claim-signing';
import { fetchDedupPlugin } from './dedup/plugin';
import { entityCachePlugin, type EntityCache } from './entity-cache';
import { fetchMetricsPlugin } from './fetch-metrics/plugin';
import { unavailableErrorsPlugin } from './unavailable-errors/plugin';
import { subgraphFetchTracingPlugin } from './tracing';

export interface SubgraphFetchSteps {
  internalSecret: string;
  log: Logger;
  /** Absent when the entity cache is switched off. */
  entityCache?: EntityCache;
  /** The gateway's tracer when tracing is on: each fetch then has a client span. */
  tracing?: ServiceTracing;
  /** Steps of the operator's own: inside the outage mapping, outside the cache (they see every fetch, cached or not, and the headers they add are sent and signed over). */
  plugins?: GatewayPlugin[];
  /** Identical fetches for clients' queries in flight at once are sent once (default true); see ./dedup/plugin.ts. */
  deduplicate?: boolean;
}

export function subgraphFetchPlugins({
  internalSecret,
  log,
  entityCache,
  tracing,
  plugins = [],
  deduplicate = true,
}: SubgraphFetchSteps): GatewayPlugin[] {
  return [
    // Outermost: times every fetch whole (cache hits too) and counts the errors its client gets, mapped outages included.
    fetchMetricsPlugin(),
    // A failure anywhere inside, the subgraph's or a step's, is mapped here.
    unavailableErrorsPlugin(log),
    // Outside the cache, so a cached answer has its span too; inside the mapping, so the span sees the failure itself.
    ...(tracing ? [subgraphFetchTracingPlugin(tracing)] : []),
    ...plugins,
    ...(entityCache ? [entityCachePlugin(entityCache)] : []),
    // Inside the cache, so only its misses are shared; outside the claims, so a shared fetch is signed once.
    // Its answers must reach it as the transport gave them: nothing that changes answers goes between.
    ...(deduplicate ? [fetchDedupPlugin({ generation: entityCache && (() => entityCache.generation) })] : []),
    claimSigningPlugin(internalSecret),
  ];
}
