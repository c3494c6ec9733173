/** The gateway's series per subgraph fetch, on the process's one registry (platform/metrics.ts). */
import { Counter } from 'prom-client';
import { latencyHistogram, registry } from '../../../../platform/metrics';

export const subgraphFetchDuration = latencyHistogram({
  name: 'gateway_subgraph_fetch_duration_seconds',
  help: "Fetches the gateway made from subgraphs for clients' operations, entity-cache answers included, by subgraph and cache (hit, partial, miss; none for a fetch the cache does not take)",
  labelNames: ['subgraph', 'cache'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const subgraphFetchErrors = new Counter({
  name: 'gateway_subgraph_fetch_errors_total',
  help: "Errors in subgraphs' answers to the gateway's fetches, one per error, by subgraph and extensions.code (SERVICE_UNAVAILABLE for a subgraph that could not be reached or timed out; NONE without a code)",
  labelNames: ['subgraph', 'code'] as const,
  registers: [registry],
});
