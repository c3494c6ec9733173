import type { Logger } from '../../../platform/logger';
import { InProcessEventBus } from './in-process';
import { RedisEventBus } from './redis';
import type { EventBus } from './types';

export * from './types';
export { InProcessEventBus, RedisEventBus };
export { emitThrough, Outbox, OUTBOX_SCHEMAS, insertOutboxEvent, isOutboxSchema, newEvent, type Emit, type Tx } from './outbox';
export { OutboxRelay, RELAY_DEFAULTS, type RelayOptions } from './relay';
export { processOnce, PROCESSED_SCHEMAS, type ProcessedSchema } from './processed';
export { tracedEventBus } from './traced-bus';

/** Redis Streams when a Redis URL is configured, in-process otherwise: chosen by configuration only. */
export function createEventBus(options: { redisUrl?: string; namespace?: string; log: Logger }): EventBus {
  return options.redisUrl ? new RedisEventBus(options.redisUrl, options.log, options.namespace) : new InProcessEventBus(options.log);
}
