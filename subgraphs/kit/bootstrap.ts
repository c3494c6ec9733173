/**
 * The one bootstrap of all five subgraphs: schema → Apollo Server → HTTP host with health,
 * readiness and metrics; request context with the verified viewer, the Prisma client and fresh
 * DataLoaders; graceful shutdown.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { GRAPHQL_BODY_LIMIT_BYTES, graphqlHandler, sendGraphqlError, type GraphqlGate } from '../../platform/graphql-http';
import { createHttpHost } from '../../platform/http';
import { operationAttributesPlugin, serverSpans } from '../../platform/telemetry';
import { ErrorCode, maskUnexpectedErrors, unauthenticated } from '../../platform/errors';
import { GraphQLError } from 'graphql';
import type { SubgraphContext } from './context';
import type { SubgraphDefinition, SubgraphDeps } from './definition';
import { buildFederatedSchema } from './schema';
import { ANONYMOUS, type Viewer } from '../../platform/viewer';
import { CLAIMS_HEADER, createClaimsVerifier, type ClaimsVerifier } from '../../platform/forwarded-claims';
import { createNonceRegistry } from './nonce-registry';
import { isOutboxSchema, Outbox, OutboxRelay, tracedEventBus } from './events';
import { nulGuard } from './nul-guard';
import { subscribeCarryingTrace } from './traced-subscriptions';
import { adminDenialsAudit } from './audit/denied';

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  /**
   * Starts publishing this subgraph's outbox (once; does nothing for a subgraph without one).
   * Started by `startSubgraph` unless told otherwise: a platform that starts several subgraphs
   * in one process starts relays after every consumer subscribed, so no event goes unheard.
   */
  startRelay(): void;
  close(): Promise<void>;
}

export async function startSubgraph<Loaders, Resources>(
  definition: SubgraphDefinition<Loaders, Resources>,
  given: SubgraphDeps,
  options: { port: number; host: string; internalSecret: string; startRelay?: boolean },
): Promise<RunningSubgraph> {
  // Traced, the subgraph's relay publishes and its handlers run in spans linked to each event's origin.
  const deps: SubgraphDeps = given.tracing ? { ...given, bus: tracedEventBus(given.bus, given.tracing) } : given;
  const log = deps.log;
  const relay = isOutboxSchema(definition.name)
    ? new OutboxRelay(deps.backgroundPrisma ?? deps.prisma, definition.name, deps.bus, log)
    : undefined;
  const outbox = new Outbox(definition.name, () => relay?.wake());
  const schema = await buildFederatedSchema(definition);
  const host = createHttpHost({
    service: definition.name,
    log,
    ready: async () => {
      await deps.prisma.$queryRaw`SELECT 1`;
      return true;
    },
  });
  const nonces = createNonceRegistry({ redisUrl: deps.config.redisUrl, namespace: deps.namespace, service: definition.name, log });
  const claims = createClaimsVerifier({ secret: options.internalSecret, audience: definition.name, nonces });
  const resources = definition.init?.(deps) as Resources;
  const contextFor = (viewer: Viewer): SubgraphContext<Loaders> => ({
    viewer,
    prisma: deps.prisma,
    bus: deps.bus,
    outbox,
    services: deps.services,
    log,
    config: deps.config,
    loaders: definition.createLoaders(deps.prisma, viewer, resources),
  });
  const server = new ApolloServer<SubgraphContext<Loaders>>({
    schema,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: host.server }),
      // No subgraph declares cache hints and the gateway reads none, yet the default cache-control
      // plugin hooks willResolveField, which makes Apollo wrap every field resolver of every request.
      ApolloServerPluginCacheControlDisabled(),
      nulGuard(),
      adminDenialsAudit(),
      ...(deps.tracing ? [operationAttributesPlugin<SubgraphContext<Loaders>>()] : []),
    ],
    formatError: maskUnexpectedErrors(log, definition.name),
    logger: log,
    introspection: true,
    // Shutdown is ours (platform/shutdown.ts): Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
  });
  await server.start();
  host.serveGraphql(
    '/graphql',
    graphqlHandler({
      server,
      gate: forwardedClaimsGate(claims, (viewer) => async () => contextFor(viewer)),
      bodyLimitBytes: GRAPHQL_BODY_LIMIT_BYTES,
      log,
      // Only the platform's own services call a subgraph: their trace context is followed.
      around: deps.tracing ? serverSpans(deps.tracing, '/graphql', 'trust') : undefined,
    }),
  );
  const closeSubscriptions = schema.getSubscriptionType()
    ? serveSubscriptions(host.server, schema, claims, contextFor, deps.tracing !== undefined)
    : async () => undefined;
  const stopConsuming = definition.consumeEvents?.(deps, resources) ?? [];
  const { port, url } = await host.listen(options.port, options.host);
  log.info({ url: `${url}/graphql` }, 'subgraph listening');
  if (options.startRelay !== false) relay?.start();
  return {
    name: definition.name,
    url: `${url}/graphql`,
    port,
    startRelay: () => relay?.start(),
    close: once(async () => {
      const closed = host.close();
      stopConsuming.forEach((stop) => stop());
      await relay?.close();
      await closeSubscriptions();
      await server.stop();
      await closed;
      await definition.dispose?.(resources);
      await nonces.close();
    }),
  };
}

/** Closing twice (a crash drill, then shutdown) closes once. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= fn());
}

/**
 * Who the request speaks for: no claims header is an anonymous caller (public data only); a
 * header that fails any check (signature, target, body, age, replay) is refused with 401.
 */
function forwardedClaimsGate<Context>(
  claims: ClaimsVerifier,
  contextFor: (viewer: Viewer) => () => Promise<Context>,
): GraphqlGate<Context> {
  return async ({ req, res, body }) => {
    const token = req.headers[CLAIMS_HEADER];
    try {
      // The token covers a body; a GET carries its operation in the URL, which no token covers.
      if (token !== undefined && req.method !== 'POST') throw unauthenticated('Forwarded viewer claims are accepted on POST only');
      const viewer = await claims.verify(Array.isArray(token) ? token[0] : token, {
        channel: 'http',
        body: req.method === 'POST' ? await body() : '',
      });
      return contextFor(viewer);
    } catch (error) {
      if (!(error instanceof GraphQLError) || error.extensions.code !== ErrorCode.UNAUTHENTICATED) throw error;
      sendGraphqlError(res, 401, error.message, { code: ErrorCode.UNAUTHENTICATED });
      return undefined;
    }
  };
}

/** graphql-ws close code for a connection_init whose claims were refused (the HTTP 401 of sockets). */
export const CLOSE_UNAUTHENTICATED = 4401;

/**
 * graphql-ws on the subgraph's /graphql path. The caller (the gateway) sends the viewer's claims
 * in connection_init, signed for this subgraph with a fresh nonce; refused claims close the
 * socket with 4401 before any subscription starts.
 */
function serveSubscriptions(
  httpServer: import('node:http').Server,
  schema: import('graphql').GraphQLSchema,
  claims: ClaimsVerifier,
  contextFor: (viewer: Viewer) => object,
  traced: boolean,
): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const viewers = new WeakMap<object, Viewer>();
  const disposable = useServer(
    {
      schema,
      // Traced, an event carries the trace context its payload has (traced-subscriptions.ts).
      ...(traced && { subscribe: subscribeCarryingTrace }),
      onConnect: async (ctx) => {
        const token = (ctx.connectionParams ?? {})[CLAIMS_HEADER];
        try {
          viewers.set(ctx.extra, await claims.verify(typeof token === 'string' ? token : undefined, { channel: 'ws' }));
          return true;
        } catch (error) {
          ctx.extra.socket.close(CLOSE_UNAUTHENTICATED, (error as Error).message.slice(0, 120));
          return false;
        }
      },
      context: (ctx) => contextFor(viewers.get(ctx.extra) ?? ANONYMOUS),
    },
    wss,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
