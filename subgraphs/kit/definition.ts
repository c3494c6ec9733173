import type { PrismaClient } from '../../prisma/database';
import type { PlatformConfig } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import type { ServiceTracing } from '../../platform/telemetry';
import type { EventBus } from './events';
import type { SubgraphName } from '../../platform/services';
import type { SubgraphSchemaParts } from './schema';
import type { ServiceClient } from './service-client';
import type { Viewer } from '../../platform/viewer';

/** What a service depends on at run time; the bootstrap builds these from configuration. */
export interface SubgraphDeps {
  prisma: PrismaClient;
  /**
   * A client for background work (the outbox relay), so its statements are not counted with the
   * requests' (the embedded platform counts SQL per subgraph); defaults to `prisma`.
   */
  backgroundPrisma?: PrismaClient;
  bus: EventBus;
  services: ServiceClient;
  log: Logger;
  config: PlatformConfig;
  /** Prefix of this deployment's Redis keys (shared with the event bus). */
  namespace: string;
  /** This subgraph's tracer when tracing is on (platform/telemetry); absent, nothing is traced. */
  tracing?: ServiceTracing;
}

/** Everything that makes one subgraph: its schema parts, its per-request loaders, its event consumers. */
export interface SubgraphDefinition<Loaders = unknown, Resources = undefined> extends SubgraphSchemaParts {
  name: SubgraphName;
  /** Per-service state made once at start (clients, caches) and handed to every request's loaders. */
  init?(deps: SubgraphDeps): Resources;
  createLoaders(prisma: PrismaClient, viewer: Viewer, resources: Resources): Loaders;
  /** Subscribes to domain events when the service starts; returns what stops them when it stops. */
  consumeEvents?(deps: SubgraphDeps, resources: Resources): (() => void)[];
  /** Releases what init made. */
  dispose?(resources: Resources): Promise<void>;
}
