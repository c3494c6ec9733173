/**
 * Latency and errors per subgraph fetch made for a client. The outermost fetch step: it times
 * every fetch whole — entity-cache hits, which never reach the subgraph, included, labelled with
 * what the cache reported — and counts the errors of the answer the client's operation gets,
 * SERVICE_UNAVAILABLE included when the subgraph could not answer (../unavailable-errors, inside
 * it, turns that failure into errors). The gateway's own fetches (health checks, schema loading)
 * answer no client and are not counted.
 */
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { errorCodeLabel } from '../../../pipeline/metric-labels';
import { subgraphFetchDuration, subgraphFetchErrors } from './metrics';

export function fetchMetricsPlugin(): GatewayPlugin {
  return {
    name: 'fetch-metrics',
    async onSubgraphFetch(fetch, next) {
      if (fetch.kind !== 'operation') return next(fetch);
      const { subgraph, outcome } = fetch;
      const started = performance.now();
      try {
        const result = await next(fetch);
        for (const error of result.errors ?? []) subgraphFetchErrors.inc({ subgraph, code: errorCodeLabel(error) });
        return result;
      } catch (error) {
        // Only a failure unavailable-errors does not map reaches here (it rethrows what it cannot name).
        subgraphFetchErrors.inc({ subgraph, code: 'INTERNAL_SERVER_ERROR' });
        throw error;
      } finally {
        subgraphFetchDuration.observe({ subgraph, cache: outcome.cache ?? 'none' }, (performance.now() - started) / 1000);
      }
    },
  };
}
