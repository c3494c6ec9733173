/**
 * What each partner uses of the partner API, and the cap on what one of its operations may cost:
 * `partner_requests_total{partner,operation,outcome}` and `partner_query_cost_total{partner,operation}`
 * on the gateway's /metrics, and the partner's cost budget enforced like the gateway's own cost
 * limit (LIMIT_EXCEEDED, HTTP 400) after it. Operation names are labels only up to a cap, so a
 * partner sending endless distinct names cannot grow the metrics without bound.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { QueryLimitsConfig } from '../platform/config';
import { partnerQueryCost, partnerRequests } from '../platform/metrics';
import type { GatewayContext } from './data-source';
import { MAX_FRAGMENT_SPREADS, OperationCosts } from './query-cost';
import { queryLimitExceeded } from './query-limits';

export type PartnerOutcome = 'ok' | 'error' | 'rate_limited' | 'cost_exceeded' | 'unauthenticated' | 'unavailable';

/** The operation label of requests refused before their body is read (no key, over the rate limit). */
export const UNREAD_OPERATION = 'unknown';
/** Distinct operation names labelled per gateway process; later ones count as "other". */
export const MAX_OPERATION_LABELS = 100;
const OTHER_OPERATIONS = 'other';

const labelled = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (labelled.has(name)) return name;
  if (labelled.size >= MAX_OPERATION_LABELS) return OTHER_OPERATIONS;
  labelled.add(name);
  return name;
}

export function countPartnerRequest(partner: string, operation: string, outcome: PartnerOutcome): void {
  partnerRequests.inc({ partner, operation, outcome });
}

/**
 * The partner server's plugin: the partner's cost budget (only while the gateway's query limits
 * are on: they bound fragment expansion, which the cost walk needs), and its usage metrics.
 */
export function partnerUsagePlugin(limits: QueryLimitsConfig): ApolloServerPlugin<GatewayContext> {
  const costs = new OperationCosts({ maxBytes: limits.costMemoBytes, name: 'partner' });
  return {
    async requestDidStart({ contextValue }) {
      const partner = contextValue.partner;
      if (!partner) return {};
      let cost = 0;
      let overBudget = false;
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation || !limits.enabled) return;
          // Every field visited costs at least 1: a walk longer than this is over the budget whatever else it finds.
          const maxNodes = partner.costBudget + limits.tokens + MAX_FRAGMENT_SPREADS;
          const result = costs.of(schema, document, { operationName: operation.name?.value, variables: request.variables, maxNodes });
          if (result.kind === 'invalid') return; // execution reports it
          if (result.kind === 'cost' && result.cost <= partner.costBudget) {
            cost = result.cost;
            return;
          }
          overBudget = true;
          const error = queryLimitExceeded('cost', partner.costBudget, result.kind === 'cost' ? result.cost : undefined);
          throw new GraphQLError(`${error.message} (the partner's cost budget)`, {
            extensions: { ...error.extensions, costBudget: partner.costBudget, http: { status: 400 } },
          });
        },
        async willSendResponse({ response, operationName }) {
          const operation = operationLabel(operationName);
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const outcome: PartnerOutcome = overBudget ? 'cost_exceeded' : errors?.length ? 'error' : 'ok';
          countPartnerRequest(partner.name, operation, outcome);
          if (cost > 0) partnerQueryCost.inc({ partner: partner.name, operation }, cost);
        },
      };
    },
  };
}
