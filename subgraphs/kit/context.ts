import type { PrismaClient } from '../../prisma/database';
import type { PlatformConfig } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import type { EventBus, Outbox } from './events';
import type { ServiceClient } from './service-client';
import type { Viewer } from '../../platform/viewer';

/** What every resolver receives. `loaders` are created per request, so batching never leaks between users. */
export interface SubgraphContext<Loaders = unknown> {
  viewer: Viewer;
  prisma: PrismaClient;
  bus: EventBus;
  /** Where this subgraph writes its domain events, in the transaction of the change they announce. */
  outbox: Outbox;
  services: ServiceClient;
  log: Logger;
  /** The service's settings (for resolvers whose rules depend on them). */
  config: PlatformConfig;
  loaders: Loaders;
}
