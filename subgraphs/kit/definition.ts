import type { PrismaClient } from '../../prisma/database';
import type { Logger } from '../../platform/logger';
import type { EventBus } from './events';
import type { SubgraphName } from './names';
import type { SubgraphSchemaParts } from './schema';
import type { ServiceClient } from './service-client';
import type { Viewer } from './viewer';

/** What a service depends on at run time; the bootstrap builds these from configuration. */
export interface SubgraphDeps {
  prisma: PrismaClient;
  bus: EventBus;
  services: ServiceClient;
  log: Logger;
}

/** Everything that makes one subgraph: its schema parts, its per-request loaders, its event consumers. */
export interface SubgraphDefinition<Loaders = unknown> extends SubgraphSchemaParts {
  name: SubgraphName;
  createLoaders(prisma: PrismaClient, viewer: Viewer): Loaders;
  /** Subscribes to domain events when the service starts; returns what stops them when it stops. */
  consumeEvents?(deps: SubgraphDeps): (() => void)[];
}
