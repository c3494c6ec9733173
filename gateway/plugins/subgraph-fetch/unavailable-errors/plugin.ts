/**
 * A subgraph that cannot be reached answers, for a client's fetch, SERVICE_UNAVAILABLE errors on
 * the fields it would have filled (./errors.ts) instead of failing the whole operation; each
 * outage is counted per fetch and logged once when it starts and once when it ends.
 */
import type { Logger } from '../../../../platform/logger';
import { subgraphUnavailable } from '../../../../platform/metrics';
import { documentOf } from '../../../pipeline/apollo-adapter';
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { unavailableErrors, unavailableReason } from './errors';

export function unavailableErrorsPlugin(log: Logger): GatewayPlugin {
  /** Subgraphs failing now: an outage logs one line when it starts and one when it ends, not one per request. */
  const down = new Set<string>();
  return {
    name: 'unavailable-errors',
    async onSubgraphFetch(fetch, next) {
      const { subgraph } = fetch;
      try {
        const result = await next(fetch);
        if (down.delete(subgraph)) log.info({ subgraph }, 'subgraph answers again');
        return result;
      } catch (error) {
        const reason = unavailableReason(error);
        // Health checks and schema loading have no client fields to null: they keep Apollo's own error.
        if (!reason || fetch.kind !== 'operation') throw error;
        subgraphUnavailable.inc({ subgraph, reason });
        if (!down.has(subgraph)) {
          down.add(subgraph);
          log.warn({ subgraph, reason, err: error }, 'subgraph unavailable: its fields answer null until it is back');
        }
        // Apollo hands the fetch's parsed operation only to some plans; the query text is always there.
        return {
          errors: unavailableErrors({ serviceName: subgraph, reason, variables: fetch.request.variables, document: documentOf(fetch) }),
        };
      }
    },
  };
}
