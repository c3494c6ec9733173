/**
 * The peers bench/federation.ts compares the project's gateway (./project-gateway.ts) with, each
 * over the benchmark's supergraph:
 * - plain `@apollo/gateway` + `@apollo/server`, as the benchmark's apollo-gateway runs them
 *   (gateways/apollo-gateway/index.ts there: `new ApolloGateway({ supergraphSdl })`, standalone server);
 * - Hive Gateway's runtime with `@graphql-hive/router-runtime`'s Rust query planner, as the
 *   benchmark's hive-gateway-router-runtime sets it up (`defineConfig({ unifiedGraphHandler })`),
 *   its in-flight deduplication of subgraph fetches on (its default) or off.
 * The Hive packages are benchmark-only dev dependencies, loaded here on demand and nowhere else.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningBenchGateway } from './project-gateway';

/** Apollo's gateway and server with nothing added, as the benchmark runs them. */
export async function startPlainApolloGateway(supergraphSdl: string): Promise<RunningBenchGateway> {
  const server = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }), stopOnTerminationSignals: false });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, close: () => server.stop() };
}

export interface HiveOptions {
  /** Hive's in-flight deduplication of identical subgraph fetches (its default: on). */
  deduplicateFetches: boolean;
  /**
   * Also share one execution among identical in-flight client requests (`inboundInflightRequestDeduplication`,
   * off by default; a later version of the benchmark's config turns it on).
   */
  deduplicateRequests?: boolean;
}

/**
 * Hive's packages, loaded by name at run time and typed here as far as this file uses them: their
 * typings pull in TypeScript's DOM library, which would retype `fetch` bodies for the whole project.
 */
const HIVE_GATEWAY_RUNTIME = '@graphql-hive/gateway-runtime';
const HIVE_ROUTER_RUNTIME = '@graphql-hive/router-runtime';
interface HiveRuntime {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  dispose(): Promise<void> | void;
}
type HiveGatewayRuntimeModule = { createGatewayRuntime(config: Record<string, unknown>): HiveRuntime };
type HiveRouterRuntimeModule = { unifiedGraphHandler: unknown };

/** Hive Gateway's runtime with the Rust planner on a node:http server, one process (the CLI would fork one per CPU). */
export async function startHiveGateway(supergraphSdl: string, options: HiveOptions): Promise<RunningBenchGateway> {
  const { createGatewayRuntime } = (await import(HIVE_GATEWAY_RUNTIME)) as HiveGatewayRuntimeModule;
  const { unifiedGraphHandler } = (await import(HIVE_ROUTER_RUNTIME)) as HiveRouterRuntimeModule;
  const runtime = createGatewayRuntime({
    supergraph: supergraphSdl,
    unifiedGraphHandler,
    logging: 'error',
    // executor-http's `deduplicateInflightRequests` (default true), for every subgraph.
    ...(options.deduplicateFetches ? {} : { transportEntries: { '*': { options: { deduplicateInflightRequests: false } } } }),
    ...(options.deduplicateRequests ? { inboundInflightRequestDeduplication: true } : {}),
  });
  const server = http.createServer(runtime);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runtime.dispose();
    },
  };
}
