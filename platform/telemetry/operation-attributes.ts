/**
 * Names a GraphQL service's server span after the operation it runs (`graphql.operation.name`,
 * `graphql.operation.type`), once Apollo Server knows it: an Apollo Server plugin for the
 * subgraphs (the gateway does the same as one of its own steps).
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { SpanKind, trace } from '@opentelemetry/api';

export function operationAttributesPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName }) {
          const span = trace.getActiveSpan() as (ReturnType<typeof trace.getActiveSpan> & { kind?: SpanKind }) | undefined;
          // Only the request's own server span (./server-span.ts) is active here.
          if (!span || span.kind !== SpanKind.SERVER || !operation) return;
          span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
      };
    },
  };
}
