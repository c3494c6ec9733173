/**
 * What each partner uses of the partner API, and the cap on what one of its operations may cost:
 * `partner_requests_total{partner,operation,outcome}` and `partner_query_cost_total{partner,operation}`
 * on the gateway's /metrics, and the partner's cost budget enforced like the gateway's own cost
 * limit (LIMIT_EXCEEDED, HTTP 400) after it. Operation names are labels only within the
 * process's budget (gateway/pipeline/metric-labels.ts), so a partner sending endless distinct names
 * cannot grow the metrics without bound.
 */
import { GraphQLError } from 'graphql';
import type { QueryLimitsConfig } from '../../../platform/config';
import { partnerQueryCost, partnerRequests } from '../../../platform/metrics';
import type { GatewayPlugin } from '../../pipeline/plugin';
import { operationLabels } from '../../pipeline/metric-labels';
import { requestSlot } from '../../pipeline/request-state';
import { MAX_FRAGMENT_SPREADS, OperationCosts } from './query-limits/cost';
import { queryLimitExceeded } from './query-limits/limits';

export type PartnerOutcome = 'ok' | 'error' | 'rate_limited' | 'cost_exceeded' | 'unauthenticated' | 'unavailable';

/** The operation label of requests refused before their body is read (no key, over the rate limit). */
export const UNREAD_OPERATION = 'unknown';

export function countPartnerRequest(partner: string, operation: string, outcome: PartnerOutcome): void {
  partnerRequests.inc({ partner, operation, outcome });
}

/**
 * The partner endpoint's plugin: the partner's cost budget (only while the gateway's query limits
 * are on: they bound fragment expansion, which the cost walk needs), and its usage metrics.
 */
export function partnerUsagePlugin(limits: QueryLimitsConfig): GatewayPlugin {
  const costs = new OperationCosts({ maxBytes: limits.costMemoBytes, name: 'partner' });
  const usage = requestSlot<{ cost: number; overBudget: boolean }>();
  return {
    name: 'partner-usage',
    onOperation({ state, operation, document, variables, schema }) {
      const partner = state.partner;
      if (!partner || !operation || !limits.enabled) return;
      // Every field visited costs at least 1: a walk longer than this is over the budget whatever else it finds.
      const maxNodes = partner.costBudget + limits.tokens + MAX_FRAGMENT_SPREADS;
      const result = costs.of(schema, document, { operationName: operation.name?.value, variables, maxNodes, listSize: limits.listSize });
      if (result.kind === 'invalid') return; // execution reports it
      if (result.kind === 'cost' && result.cost <= partner.costBudget) {
        usage.set(state, { cost: result.cost, overBudget: false });
        return;
      }
      usage.set(state, { cost: 0, overBudget: true });
      const error = queryLimitExceeded('cost', partner.costBudget, result.kind === 'cost' ? result.cost : undefined);
      throw new GraphQLError(`${error.message} (the partner's cost budget)`, {
        extensions: { ...error.extensions, costBudget: partner.costBudget, http: { status: 400 } },
      });
    },
    onResponse({ state, operationName, errors }) {
      const partner = state.partner;
      if (!partner) return;
      const { cost, overBudget } = usage.get(state) ?? { cost: 0, overBudget: false };
      const operation = operationLabels.label(operationName);
      const outcome: PartnerOutcome = overBudget ? 'cost_exceeded' : errors?.length ? 'error' : 'ok';
      countPartnerRequest(partner.name, operation, outcome);
      if (cost > 0) partnerQueryCost.inc({ partner: partner.name, operation }, cost);
    },
  };
}
