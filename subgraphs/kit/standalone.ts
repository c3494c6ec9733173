/**
 * Runs one subgraph as its own process (production: one pod per subgraph). The embedded default
 * (`npm start`) runs all services in one process instead, because PGlite is in-process.
 */
import 'reflect-metadata';
import { loadConfig } from '../../platform/config';
import { serviceLogger } from '../../platform/logger';
import { closeOnSignals } from '../../platform/shutdown';
import { startTelemetry } from '../../platform/telemetry';
import { openDatabase } from '../../prisma/database';
import { migrate } from '../../prisma/migrate';
import { startSubgraph } from './bootstrap';
import type { SubgraphDefinition } from './definition';
import { createEventBus } from './events';
import { ServiceClient } from './service-client';
import { subgraphUrls } from '../../platform/services';

export async function runStandalone<Loaders, Resources>(definition: SubgraphDefinition<Loaders, Resources>): Promise<void> {
  const config = loadConfig();
  const log = serviceLogger(definition.name);
  if (!config.databaseUrl) {
    log.error('A standalone subgraph needs DATABASE_URL; run `npm start` for the embedded platform');
    process.exit(1);
  }
  // Before the database's clients: Prisma's statements are traced from the first one.
  const telemetry = await startTelemetry(config.telemetry, { singleService: true, database: true });
  const db = await openDatabase({ url: config.databaseUrl });
  await migrate(db);
  const namespace = config.redisNamespace;
  const bus = createEventBus({ redisUrl: config.redisUrl, namespace, log });
  const running = await startSubgraph(
    definition,
    {
      // Its requests' statements counted under its name, as in the embedded platform (scripts/platform.ts); the background client's are not.
      prisma: db.createClient({ service: definition.name }),
      backgroundPrisma: db.createClient(),
      bus,
      services: new ServiceClient(subgraphUrls(config), config.internalSecret),
      log,
      config,
      namespace,
      tracing: telemetry?.forService(definition.name),
    },
    { port: config.ports[definition.name], host: config.host, internalSecret: config.internalSecret },
  );
  closeOnSignals(
    log,
    async () => {
      await running.close();
      await bus.close();
      await db.close();
      await telemetry?.shutdown();
    },
    config.shutdownTimeoutMs,
  );
}
