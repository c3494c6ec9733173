/**
 * The embedded topology: every service in one process, each on its own port, sharing one
 * database handle (PGlite is in-process) and one event bus. `npm start` and the integration
 * tests both start the platform through here; production runs each service on its own.
 */
import path from 'node:path';
import { loadConfig, type PlatformConfig } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { openDatabase, type Database, type PrismaClient } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import { seedIfEmpty, type SeedOptions } from '../prisma/seed';
import { gatewayOptionsFromConfig } from '../gateway/options-from-config';
import { startGateway, type RunningGateway } from '../gateway/server';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { PlatformInteractionSource } from '../training/platform-source';
import { ensureModel } from '../training/train-and-publish';
import { subgraphs } from '../subgraphs';
import { startSubgraph, type RunningSubgraph } from '../subgraphs/kit/bootstrap';
import { createEventBus, type EventBus } from '../subgraphs/kit/events';
import { subgraphUrls, type SubgraphName } from '../platform/services';
import { ServiceClient } from '../subgraphs/kit/service-client';
import { startTelemetry, type Telemetry } from '../platform/telemetry';

export interface PlatformOptions {
  /** Overrides of the environment's configuration. */
  config?: Partial<PlatformConfig>;
  /** Listen on ephemeral ports (tests) instead of the configured ones. */
  ephemeralPorts?: boolean;
  /** Keep PGlite in memory instead of under the data directory (tests). */
  inMemory?: boolean;
  /** Seed an empty database with these options; false leaves it empty. */
  seed?: Partial<SeedOptions> | false;
  /** Prefix of Redis keys (default REDIS_NAMESPACE), so parallel runs sharing one Redis never see each other's events. */
  eventNamespace?: string;
  /** Train a first model if the repository has none and serve it on the inference port (default true). */
  inference?: boolean;
}

export interface RunningPlatform {
  config: PlatformConfig;
  db: Database;
  bus: EventBus;
  gateway: RunningGateway;
  /** The embedded inference server, when started. */
  inference?: RunningInferenceServer;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  /** The process's tracing, when an OTLP endpoint is configured (each service traces under its own name). */
  telemetry?: Telemetry;
  /** SQL statements each subgraph has sent so far. */
  queryCounts: Record<SubgraphName, number>;
  /** Stops one subgraph (a crash, as far as its callers can tell). */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Starts a subgraph again on the port it had (after stopSubgraph, or instead of it). */
  restartSubgraph(name: SubgraphName): Promise<void>;
  close(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const config = { ...loadConfig(), ...options.config };
  const log = serviceLogger('platform');
  // First: the database's clients and every service are traced from their start.
  const telemetry = await startTelemetry(config.telemetry, { singleService: false, database: true });
  const db = await openDatabase({
    url: config.databaseUrl,
    pgliteDir: options.inMemory ? undefined : path.join(config.dataDir, 'pglite'),
  });
  const closers: [string, () => Promise<void>][] = [
    // Closed last: what the services do while closing is still traced, then exported.
    ...(telemetry ? [['telemetry', () => telemetry.shutdown()] as [string, () => Promise<void>]] : []),
    ['database', () => db.close()],
  ];
  const close = async () => {
    for (const [name, closer] of [...closers].reverse()) {
      await closer().catch((error) => log.warn({ err: error, name }, 'error while closing'));
      log.debug({ name }, 'closed');
    }
  };
  try {
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    if (options.seed !== false) {
      const result = await seedIfEmpty(db, { ...options.seed, progress: !options.inMemory });
      if (result.seeded) log.info({ counts: result.counts }, 'demo data seeded');
    }
    let inference: RunningInferenceServer | undefined;
    if (options.inference !== false) {
      const source = new PlatformInteractionSource(db);
      const trained = await ensureModel(config.modelRepository, source, {
        ...(await source.ids()),
        keepVersions: config.modelKeepVersions,
      });
      if (trained) log.info({ repository: config.modelRepository, seconds: trained.seconds }, 'first model trained');
      const server = await startInferenceServer({
        port: options.ephemeralPorts ? 0 : config.ports.inference,
        grpcPort: options.ephemeralPorts ? 0 : config.ports.inferenceGrpc,
        host: config.host,
        modelRepository: config.modelRepository,
        tracing: telemetry?.forService('inference'),
      });
      closers.push(['inference', () => server.close()]);
      inference = server;
      config.inferenceUrl = server.url;
    }

    const namespace = options.eventNamespace ?? config.redisNamespace;
    const bus = createEventBus({ redisUrl: config.redisUrl, namespace, log: serviceLogger('events') });
    closers.push(['event bus', () => bus.close()]);

    // Filled in as each subgraph starts: with ephemeral ports the URLs are known only then.
    const urls = subgraphUrls(config);
    const services = new ServiceClient(urls, config.internalSecret);
    const queryCounts = {} as Record<SubgraphName, number>;
    const running = {} as Record<SubgraphName, RunningSubgraph>;
    const clients = {} as Record<SubgraphName, PrismaClient>;
    // Outbox relays query on a client of their own, so per-subgraph SQL counts stay the requests'.
    const relayClient = db.createClient();
    let relaysStarted = false;
    const startOne = async (definition: (typeof subgraphs)[number], port: number) => {
      const name = definition.name;
      const subgraph = await startSubgraph(
        definition,
        {
          prisma: clients[name],
          backgroundPrisma: relayClient,
          bus,
          services,
          log: serviceLogger(name),
          config,
          namespace,
          tracing: telemetry?.forService(name),
        },
        // A restarted subgraph may relay at once: the others subscribed long ago.
        { port, host: config.host, internalSecret: config.internalSecret, startRelay: relaysStarted },
      );
      running[name] = subgraph;
      urls[name] = subgraph.url;
    };
    for (const definition of subgraphs) {
      const name = definition.name;
      queryCounts[name] = 0;
      clients[name] = db.createClient({
        service: name,
        onQuery: () => {
          queryCounts[name]++;
        },
      });
      await startOne(definition, options.ephemeralPorts ? 0 : config.ports[name]);
      closers.push([name, () => running[name].close()]);
    }
    // Every consumer has subscribed: events published from now on have someone to hear them.
    relaysStarted = true;
    for (const subgraph of Object.values(running)) subgraph.startRelay();
    const restartSubgraph = async (name: SubgraphName) => {
      const port = running[name].port;
      await running[name].close();
      await startOne(
        subgraphs.find((definition) => definition.name === name)!,
        port,
      );
    };

    const gateway = await startGateway({
      ...gatewayOptionsFromConfig(config),
      port: options.ephemeralPorts ? 0 : config.ports.gateway,
      metricsPort: options.ephemeralPorts && config.gatewayMetricsPort !== undefined ? 0 : config.gatewayMetricsPort,
      redisNamespace: namespace,
      subgraphUrls: urls,
      tracing: telemetry?.forService('gateway'),
      log: serviceLogger('gateway'),
    });
    closers.push(['gateway', () => gateway.close()]);
    return {
      config,
      db,
      bus,
      gateway,
      inference,
      telemetry,
      subgraphs: running,
      queryCounts,
      stopSubgraph: (name) => running[name].close(),
      restartSubgraph,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
