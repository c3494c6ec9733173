/**
 * The one bootstrap of all five subgraphs: schema → Apollo Server → HTTP host with health,
 * readiness and metrics; request context with the verified viewer, the Prisma client and fresh
 * DataLoaders; graceful shutdown.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createHttpHost } from '../../platform/http';
import { maskUnexpectedErrors } from './errors';
import type { SubgraphContext } from './context';
import type { SubgraphDefinition, SubgraphDeps } from './definition';
import { buildFederatedSchema } from './schema';
import { viewerFromHeaders } from './viewer';

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSubgraph<Loaders>(
  definition: SubgraphDefinition<Loaders>,
  deps: SubgraphDeps,
  options: { port: number; host: string; internalSecret: string },
): Promise<RunningSubgraph> {
  const log = deps.log;
  const schema = await buildFederatedSchema(definition);
  const host = createHttpHost({
    service: definition.name,
    ready: async () => {
      await deps.prisma.$queryRaw`SELECT 1`;
      return true;
    },
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
      context: async ({ req }) => {
        const viewer = viewerFromHeaders(req.headers, options.internalSecret);
        return {
          viewer,
          prisma: deps.prisma,
          bus: deps.bus,
          services: deps.services,
          log,
          loaders: definition.createLoaders(deps.prisma, viewer),
        };
      },
    }),
  );
  definition.consumeEvents?.(deps);
  const { port, url } = await host.listen(options.port, options.host);
  log.info({ url: `${url}/graphql` }, 'subgraph listening');
  return {
    name: definition.name,
    url: `${url}/graphql`,
    port,
    async close() {
      await server.stop();
      await host.close();
    },
  };
}
