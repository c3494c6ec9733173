/**
 * Operations the gateway cannot run because of how they were sent: answered as the client's
 * mistake (HTTP 400 with a code) before execution, where @apollo/gateway would throw plain errors
 * that reach clients as INTERNAL_SERVER_ERROR.
 */
import { GraphQLError, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../../platform/errors';
import type { GatewayPlugin } from '../../pipeline/plugin';

const clientMistake = (message: string, code: string) => new GraphQLError(message, { extensions: { code, http: { status: 400 } } });

export const operationChecks: GatewayPlugin = {
  name: 'operation-checks',
  onOperation({ operation, operationName }) {
    if (!operation) {
      throw clientMistake(
        operationName
          ? `The document has no operation named "${operationName}"`
          : 'The document has several operations: name the one to run in operationName',
        'OPERATION_RESOLUTION_FAILURE',
      );
    }
    if (operation.operation === 'subscription') {
      throw clientMistake('Subscriptions run over WebSocket (graphql-ws) on this same path, not over HTTP', ErrorCode.BAD_USER_INPUT);
    }
  },
};

/**
 * An operation whose root type the schema lacks (a mutation on the partner contract, which has
 * none) is a validation error, as graphql-js 17's KnownOperationTypesRule makes it; graphql 16
 * lets it through to execution, which would answer 500.
 */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const schema = context.getSchema();
    const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[
      node.operation
    ];
    if (!root) context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: node }));
  },
});
