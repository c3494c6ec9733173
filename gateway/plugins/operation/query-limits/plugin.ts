/** The cost limit, once the operation is known (parsing and validation carry the other limits: ./limits.ts). */
import { GraphQLError } from 'graphql';
import type { QueryLimitsConfig } from '../../../../platform/config';
import { operationCostEstimate } from '../../../../platform/metrics';
import { operationLabels } from '../../../pipeline/metric-labels';
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { CostCheck } from './limits';

export function queryCostPlugin(limits: QueryLimitsConfig): GatewayPlugin {
  const costs = new CostCheck(limits);
  return {
    name: 'query-cost',
    onOperation({ operation, document, variables, schema }) {
      if (!limits.enabled || !operation) return; // operation-checks.ts answers a missing operation
      const { cost, error } = costs.check(schema, document, operation.name?.value, variables);
      if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
      // What an operator reads to set GATEWAY_MAX_COST: the cost of what the limit let through.
      if (cost !== undefined) operationCostEstimate.observe({ operation: operationLabels.label(operation.name?.value) }, cost);
    },
  };
}
