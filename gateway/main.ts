/** Runs the gateway as its own process (production: its own pods, subgraphs at <NAME>_URL). */
import { loadConfig } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { closeOnSignals } from '../platform/shutdown';
import { startTelemetry } from '../platform/telemetry';
import { subgraphUrls } from '../platform/services';
import { gatewayOptionsFromConfig } from './options-from-config';
import { startGateway } from './server';

async function main() {
  const config = loadConfig();
  const log = serviceLogger('gateway');
  if (config.entityCache.enabled && !config.redisUrl) {
    // Subgraphs in other processes announce changes over Redis only (platform/entity-changes.ts).
    log.warn(
      { ttlMs: config.entityCache.ttlMs },
      'entity cache without REDIS_URL: no subgraph can announce changes to this process, so cached answers may be up to ENTITY_CACHE_TTL_MS old (ENTITY_CACHE=off turns the cache off)',
    );
  }
  const telemetry = await startTelemetry(config.telemetry, { singleService: true, database: false });
  const gateway = await startGateway({
    ...gatewayOptionsFromConfig(config),
    subgraphUrls: subgraphUrls(config),
    tracing: telemetry?.forService('gateway'),
    log,
  });
  closeOnSignals(
    log,
    async () => {
      await gateway.close();
      await telemetry?.shutdown();
    },
    config.shutdownTimeoutMs,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
