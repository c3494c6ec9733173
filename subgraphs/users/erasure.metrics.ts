/**
 * Erasure series the users subgraph alone reads (its Erasure and ErasurePart tables), beside the
 * erasure counters of platform/metrics.ts; registered here, so no other process reports a 0 for them.
 */
import { Gauge } from 'prom-client';
import { registry } from '../../platform/metrics';

export const erasurePartsPending = new Gauge({
  name: 'erasure_parts_pending',
  help: 'Parts of user erasures not yet reported done, by subgraph (read by each users replica every few seconds; counted over at most 100000 pending erasures)',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const erasurePartsOldestPending = new Gauge({
  name: 'erasure_parts_oldest_pending_seconds',
  help: 'Age of the oldest erasure whose part of a subgraph is not yet done, by subgraph; 0 when none waits (replicas report the same: aggregate with max)',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});
