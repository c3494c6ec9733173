/** The cost limit, once the operation is known (parsing and validation carry the other limits: ./limits.ts). */
import { GraphQLError } from 'graphql';
import type { QueryLimitsConfig } from '../../../../platform/config';
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { CostCheck } from './limits';

export function queryCostPlugin(limits: QueryLimitsConfig): GatewayPlugin {
  const costs = new CostCheck(limits);
  return {
    name: 'query-cost',
    onOperation({ operation, document, variables, schema }) {
      if (!limits.enabled || !operation) return; // operation-checks.ts answers a missing operation
      const error = costs.check(schema, document, operation.name?.value, variables);
      if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
    },
  };
}
