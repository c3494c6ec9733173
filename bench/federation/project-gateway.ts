/**
 * The project's gateway as bench/federation.ts runs it: as deployed (startGateway with the
 * platform's configuration from the environment: query limits, entity cache, fetch deduplication
 * and the rest at their settings there), only listening on 127.0.0.1 and its rate limit raised past
 * one load generator. A module of its own, loaded only in the project's bench child, so that the
 * gateway loads @apollo/gateway the way its entry point does (gateway/pipeline/plain-apollo-exports.ts
 * first) and plain Apollo's child loads it as Apollo's users do.
 */
import { gatewayOptionsFromConfig } from '../../gateway/options-from-config';
import { startGateway, type GatewayOptions } from '../../gateway/server';
import { loadConfig } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import type { SubgraphName } from '../../platform/services';
import type { BenchmarkSubgraphName } from './subgraphs';

export interface RunningBenchGateway {
  /** The GraphQL endpoint. */
  url: string;
  close(): Promise<void>;
}

/**
 * The project's gateway as its own process starts it (gateway/main.ts), but for where it listens,
 * its separate metrics listener (any free port: several run side by side), no IDE, no Redis, and a
 * rate limit no single load generator reaches. `overrides` win over the configuration (tests).
 */
export async function startProjectGateway(
  supergraphSdl: string,
  urls: Record<BenchmarkSubgraphName, string>,
  log: Logger,
  overrides: Partial<GatewayOptions> = {},
): Promise<RunningBenchGateway> {
  const config = loadConfig();
  const gateway = await startGateway({
    ...gatewayOptionsFromConfig(config),
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    ide: undefined,
    redisUrl: undefined,
    // On, as deployed; one load generator would spend a client's real budget in a second.
    rateLimit: { ...config.rateLimit, enabled: true, points: 100_000_000 },
    supergraphSdl,
    // The benchmark's subgraph names are not the platform's; the gateway routes by the supergraph's names.
    subgraphUrls: urls as unknown as Record<SubgraphName, string>,
    log,
    ...overrides,
  });
  return { url: gateway.url, close: () => gateway.close() };
}
