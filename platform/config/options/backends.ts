/** Where data, events and shared caches live; unset means the embedded default. */
import { declareOptions, option } from '../option';

/** Prefix of every Redis key and channel the platform uses, so that deployments sharing a Redis stay apart. */
export const DEFAULT_REDIS_NAMESPACE = 'platform';

export const backendOptions = declareOptions('Storage and messaging', {
  DATABASE_URL: option.string({
    defaultText: 'unset → PGlite in `DATA_DIR/pglite`',
    description: 'PostgreSQL connection string.',
    secret: true,
  }),
  REDIS_URL: option.string({
    defaultText: 'unset → in-process',
    description: 'Redis for the event bus (Redis Streams), subscription fan-out, caches and rate limits.',
    secret: true,
  }),
  REDIS_NAMESPACE: option.string({
    default: DEFAULT_REDIS_NAMESPACE,
    description: 'Prefix of every Redis key and channel (events, caches, rate limits, nonces).',
  }),
});
