/** The entity cache as a step of every subgraph fetch made for a client (./cache.ts says what it answers). */
import type { GatewayPlugin } from '../../../pipeline/plugin';
import type { EntityCache } from './cache';

export function entityCachePlugin(cache: EntityCache): GatewayPlugin {
  return {
    name: 'entity-cache',
    // Health checks and schema loading answer no client: they always go to the subgraph.
    onSubgraphFetch: (fetch, next) =>
      fetch.kind === 'operation' ? cache.process(fetch.subgraph, fetch, next, fetch.outcome) : next(fetch),
  };
}
