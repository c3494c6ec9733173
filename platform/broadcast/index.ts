/**
 * One way for a process to tell every other process something right now, with one policy
 * whatever travels on it (entity changes to gateway caches, live recommendation updates to
 * dashboards):
 *
 * - at most once and never replayed: what must not be lost goes through the event bus's durable
 *   streams (subgraphs/kit/events) instead;
 * - a listener that throws is logged and counted (broadcast_listener_errors_total) and the other
 *   listeners still get the message;
 * - publishing never throws and never queues: while Redis is unreachable a message is dropped,
 *   logged once per outage and counted (broadcast_publish_dropped_total), and publish resolves false;
 * - whenever messages may have been missed (a subscription reconnected, a publisher dropped
 *   messages, a message could not be read) every subscriber of the channel gets a gap
 *   (broadcast_gaps_total) and catches up in its own way: the entity cache empties itself, a
 *   dashboard subscription re-reads the current list;
 * - close ends every subscription and connection within a bounded time.
 *
 * With Redis (REDIS_URL) channels are Redis pub/sub channels under the deployment's namespace;
 * without it they live inside the process, which reaches other services only in the embedded
 * platform (all services in one process).
 */
import type { Logger } from '../logger';
import { InProcessBroadcast } from './in-process';
import { RedisBroadcast } from './redis';
import type { Broadcast } from './types';

export { defineChannel, type Broadcast, type BroadcastListener, type Channel } from './types';

export interface BroadcastOptions {
  redisUrl?: string;
  /** Prefix of this deployment's channels; publishers and subscribers share it. */
  namespace: string;
  log: Logger;
}

export function openBroadcast(options: BroadcastOptions): Broadcast {
  return options.redisUrl
    ? new RedisBroadcast({ url: options.redisUrl, namespace: options.namespace, log: options.log })
    : new InProcessBroadcast(options.namespace, options.log);
}
