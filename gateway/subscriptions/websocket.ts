/**
 * graphql-ws on the gateway's own port and path. The client's JWT comes in connection_init
 * (`{ "authorization": "Bearer <token>" }`), verified exactly as over HTTP. Subscriptions go to
 * the hub; queries and mutations sent over the socket run through the gateway like HTTP ones.
 */
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, parse, print, type ExecutionResult } from 'graphql';
import type { QueryLimitsConfig } from '../../platform/config';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import type { Viewer } from '../../platform/viewer';
import type { TokenVerifier } from '../auth';
import { checkOperation } from '../query-limits';
import type { GatewayContext } from '../data-source';
import type { ConnectionState, SubscriptionHub } from './hub';
import type { FederatedPlanner } from './planner';

type ConnectionExtra = {
  viewer?: Viewer;
  state?: ConnectionState;
};

interface SocketContext {
  viewer: Viewer;
  connection: ConnectionState;
}

function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization ?? (params?.headers as Record<string, unknown> | undefined)?.authorization;
  return typeof value === 'string' ? value : undefined;
}

export function serveGraphqlWs(options: {
  httpServer: http.Server;
  planner: FederatedPlanner;
  hub: SubscriptionHub;
  verifier: TokenVerifier;
  apollo: ApolloServer<GatewayContext>;
  queryLimits: QueryLimitsConfig;
  log: Logger;
}): () => Promise<void> {
  const { planner, hub, verifier, apollo, queryLimits, log } = options;
  const wss = new WebSocketServer({ server: options.httpServer, path: '/graphql' });
  const server = useServer<Record<string, unknown>, ConnectionExtra>(
    {
      schema: planner.apiGraphQLSchema,
      onConnect: async (ctx) => {
        try {
          ctx.extra.viewer = await verifier.verify(authorizationOf(ctx.connectionParams));
          ctx.extra.state = { active: 0 };
          return true;
        } catch (error) {
          // 4401 tells a graphql-ws client not to retry with the same token.
          ctx.extra.socket.close(4401, error instanceof GraphQLError ? error.message : 'Unauthenticated');
          return false;
        }
      },
      // graphql-ws parses inside a handler that closes the whole socket (4500) on a syntax error,
      // dropping the client's other subscriptions: answer that one operation with its error instead.
      // With the limits on, the checks HTTP requests get run here too (Apollo's pipeline sees only
      // queries and mutations sent over the socket, in execute below).
      onSubscribe: (_ctx, _id, payload) => {
        if (!queryLimits.enabled) {
          try {
            parse(payload.query);
            return undefined;
          } catch (error) {
            return error instanceof GraphQLError ? [error] : undefined;
          }
        }
        const checked = checkOperation(queryLimits, planner.apiGraphQLSchema, payload);
        if ('errors' in checked) return checked.errors;
        // Checked and validated: graphql-ws runs these arguments as they are, filling in the context.
        return {
          schema: planner.apiGraphQLSchema,
          document: checked.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      context: (ctx): SocketContext => ({ viewer: ctx.extra.viewer!, connection: ctx.extra.state! }),
      subscribe: (args) => {
        const context = args.contextValue as SocketContext;
        return hub.subscribe({
          document: args.document,
          operationName: args.operationName,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          viewer: context.viewer,
          connection: context.connection,
        }) as never;
      },
      execute: async (args): Promise<ExecutionResult> => {
        const context = args.contextValue as SocketContext;
        const response = await apollo.executeOperation(
          {
            query: print(args.document),
            variables: args.variableValues as Record<string, unknown>,
            operationName: args.operationName ?? undefined,
          },
          { contextValue: { viewer: context.viewer } },
        );
        if (response.body.kind !== 'single') {
          return {
            errors: [
              new GraphQLError('Incremental delivery is not supported over WebSocket', { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
            ],
          };
        }
        return response.body.singleResult as ExecutionResult;
      },
      onError: (_ctx, _id, _payload, errors) => {
        log.debug({ errors: errors.map((error) => error.message) }, 'rejected subscription');
      },
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
