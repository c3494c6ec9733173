/** The fetch-dedup step's series, in the process's one registry (platform/metrics.ts). */
import { Counter } from 'prom-client';
import { registry } from '../../../../platform/metrics';

export const deduplicatedFetches = new Counter({
  name: 'gateway_subgraph_fetches_deduplicated_total',
  help: "Subgraph fetches for clients' queries answered by an identical fetch already in flight (same subgraph, body, viewer and headers) instead of being sent, by subgraph",
  labelNames: ['subgraph'] as const,
  registers: [registry],
});
