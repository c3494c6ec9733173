/**
 * The one bootstrap of all five subgraphs: schema → Apollo Server → HTTP host with health,
 * readiness and metrics; request context with the verified viewer, the Prisma client and fresh
 * DataLoaders; graceful shutdown.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { createHttpHost } from '../../platform/http';
import { maskUnexpectedErrors } from '../../platform/errors';
import type { SubgraphContext } from './context';
import type { SubgraphDefinition, SubgraphDeps } from './definition';
import { buildFederatedSchema } from './schema';
import { isOutboxSchema, Outbox, OutboxRelay } from './events';
import { viewerFromHeaders, type Viewer } from '../../platform/viewer';

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
  deps: SubgraphDeps,
  options: { port: number; host: string; internalSecret: string; startRelay?: boolean },
): Promise<RunningSubgraph> {
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
  const resources = definition.init?.(deps) as Resources;
  const contextFor = (viewer: Viewer): SubgraphContext<Loaders> => ({
    viewer,
    prisma: deps.prisma,
    bus: deps.bus,
    outbox,
    services: deps.services,
    log,
    loaders: definition.createLoaders(deps.prisma, viewer, resources),
  });
  const server = new ApolloServer<SubgraphContext<Loaders>>({
    schema,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: host.server })],
    formatError: maskUnexpectedErrors(log, definition.name),
    logger: log,
    introspection: true,
    // Shutdown is ours (platform/shutdown.ts): Apollo's own signal handlers would race it.
    stopOnTerminationSignals: false,
  });
  await server.start();
  host.app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => contextFor(viewerFromHeaders(req.headers, options.internalSecret)),
    }),
  );
  const closeSubscriptions = schema.getSubscriptionType()
    ? serveSubscriptions(host.server, schema, (params) => contextFor(viewerFromHeaders(params, options.internalSecret)))
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
    }),
  };
}

/** Closing twice (a crash drill, then shutdown) closes once. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= fn());
}

/**
 * graphql-ws on the subgraph's /graphql path. The caller (the gateway) sends the viewer's signed
 * claims as connection params, the same names as the HTTP headers.
 */
function serveSubscriptions(
  httpServer: import('node:http').Server,
  schema: import('graphql').GraphQLSchema,
  contextFor: (params: Record<string, string | undefined>) => object,
): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const disposable = useServer(
    { schema, context: (ctx) => contextFor((ctx.connectionParams ?? {}) as Record<string, string | undefined>) },
    wss,
  );
  return async () => {
    await disposable.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
