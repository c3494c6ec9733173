/**
 * Production bus: one Redis Stream per event type, one consumer group per service, so each
 * service sees every event once even with many replicas, and an event whose handler failed
 * stays pending and is claimed again. A consumer survives Redis outages and a Redis that comes
 * back empty (a failover): its read loop retries, and re-creates its group on NOGROUP.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type Redis from 'ioredis';
import type { Logger } from '../../../platform/logger';
import { closeRedis, dropRedis, openRedis } from '../../../platform/redis';
import { within } from '../../../platform/within';
import { DEFAULT_REDIS_NAMESPACE } from '../../../platform/config/options/backends';
import type { DomainEvent, EventBus, EventHandler, EventType } from './types';

const BLOCK_MS = 500;
/** Pause after a failed read (Redis down): short, so consumers resume within a second of its return. */
const READ_RETRY_MS = 500;
const BATCH = 100;
const RECLAIM_IDLE_MS = 5000;
const MAX_STREAM_LENGTH = 100_000;
const CLOSE_WAIT_MS = BLOCK_MS + 1000;

interface Subscription {
  stream: string;
  group: string;
  handler: EventHandler<never>;
  stopped: boolean;
}

export class RedisEventBus implements EventBus {
  private readonly writer: Redis;
  private readonly subscriptions: Subscription[] = [];
  private readonly readers: Redis[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly consumer = `${os.hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** Prefix of every stream key; lets test runs and environments share one Redis. */
    private readonly namespace = DEFAULT_REDIS_NAMESPACE,
  ) {
    this.writer = openRedis(url, { role: 'event bus', log });
  }

  private streamOf(type: EventType): string {
    return `${this.namespace}:events:${type}`;
  }

  /** Fails within the Redis command timeout when Redis is down; the relay retries it. */
  async publish(event: DomainEvent): Promise<void> {
    await this.writer.xadd(this.streamOf(event.type), 'MAXLEN', '~', MAX_STREAM_LENGTH, '*', 'event', JSON.stringify(event));
  }

  subscribe<T extends EventType>(type: T, group: string, handler: EventHandler<T>): () => void {
    const subscription: Subscription = { stream: this.streamOf(type), group, handler: handler as EventHandler<never>, stopped: false };
    this.subscriptions.push(subscription);
    // A blocking read holds its connection, so each subscription reads on a connection of its own.
    const reader = openRedis(this.url, { role: `events ${group}/${type}`, log: this.log, blocking: true });
    this.readers.push(reader);
    const loop = this.consume(reader, subscription);
    this.loops.push(loop);
    return () => {
      subscription.stopped = true;
      // Unacknowledged events stay pending for the group and are claimed by another consumer.
      void loop.finally(() => closeRedis(reader));
    };
  }

  private async ensureGroup(redis: Redis, { stream, group }: Subscription): Promise<void> {
    try {
      // '0': a group reads everything the stream still holds. A service's first start then sees
      // events published before it (services start in any order), and a group re-created after
      // Redis came back empty sees what relays published since.
      await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }

  private async consume(redis: Redis, subscription: Subscription): Promise<void> {
    let groupReady = false;
    let failing = false;
    let lastReclaim = 0;
    while (!this.closed && !subscription.stopped) {
      try {
        if (!groupReady) {
          await this.ensureGroup(redis, subscription);
          groupReady = true;
        }
        if (Date.now() - lastReclaim > RECLAIM_IDLE_MS) {
          lastReclaim = Date.now();
          await this.reclaim(redis, subscription);
        }
        const reply = (await redis.xreadgroup(
          'GROUP',
          subscription.group,
          this.consumer,
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          subscription.stream,
          '>',
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of reply ?? []) await this.handle(redis, subscription, entries);
        if (failing) this.log.info({ stream: subscription.stream, group: subscription.group }, 'event stream reads resumed');
        failing = false;
      } catch (error) {
        if (this.closed || subscription.stopped) return;
        if (String(error).includes('NOGROUP')) {
          // Redis lost the group (restarted empty, failover, someone deleted the stream): make it again now.
          this.log.warn({ stream: subscription.stream, group: subscription.group }, 'consumer group missing; re-creating it');
          groupReady = false;
          continue;
        }
        // One line per outage, not one per retry (openRedis logs the connection's own errors).
        if (!failing) this.log.warn({ err: error, stream: subscription.stream }, 'event stream read failed; retrying');
        failing = true;
        await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
      }
    }
  }

  /** Takes over events that a crashed or failing consumer left unacknowledged. */
  private async reclaim(redis: Redis, subscription: Subscription): Promise<void> {
    const reply = (await redis.xautoclaim(
      subscription.stream,
      subscription.group,
      this.consumer,
      RECLAIM_IDLE_MS,
      '0',
      'COUNT',
      BATCH,
    )) as [string, [string, string[]][]];
    await this.handle(
      redis,
      subscription,
      reply[1].filter((entry) => entry && entry[1]),
    );
  }

  private async handle(redis: Redis, subscription: Subscription, entries: [string, string[]][]): Promise<void> {
    for (const [entryId, fields] of entries) {
      const raw = fields[fields.indexOf('event') + 1];
      try {
        await (subscription.handler as EventHandler<EventType>)(JSON.parse(raw) as DomainEvent);
        await redis.xack(subscription.stream, subscription.group, entryId);
      } catch (error) {
        this.log.warn({ err: error, stream: subscription.stream, entryId }, 'event handler failed; will be retried');
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // A loop finishes its current read (BLOCK_MS) and handler; one waiting on a Redis that is
    // down would wait forever, so after a bound its connection is dropped, which fails the read.
    await within(Promise.allSettled(this.loops), CLOSE_WAIT_MS);
    this.readers.forEach(dropRedis);
    // Dropping fails the read; a handler still running (its database gone too) gets the same bound again.
    await within(Promise.allSettled(this.loops), CLOSE_WAIT_MS);
    await closeRedis(this.writer);
  }
}
