/**
 * The entity change channel: how a subgraph tells every gateway that entities it owns changed,
 * right after the change commits, so the gateway's entity cache (gateway/entity-cache) drops what
 * it holds of them. It lives here, in the shared contract module, because the gateway may not
 * import subgraph code.
 *
 * With Redis (REDIS_URL) changes travel by pub/sub, so every gateway replica hears them. Without
 * it they travel inside the process, which reaches the gateway only in the embedded platform
 * (every service in one process, scripts/platform.ts); separate processes without Redis share
 * no channel, and there only the cache's TTL bounds staleness. Pub/sub is at most once: a gateway
 * whose subscription is down when a change is announced misses it, again bounded by the TTL.
 */
import { EventEmitter, once } from 'node:events';
import type Redis from 'ioredis';
import type { Logger } from './logger';
import { closeRedis, openRedis } from './redis';
import { within } from './within';

/** How long an announcement waits for a Redis connection that is (re)connecting before it is given up. */
const PUBLISH_CONNECT_WAIT_MS = 1000;

/**
 * The schema tag that marks a field whose answer is the same for every viewer, so the gateway may
 * share it between viewers from its entity cache: `@tag(name: "cacheable")` in a subgraph schema.
 */
export const CACHEABLE_TAG_NAME = 'cacheable';

/** One entity that changed, named by its type and its `@key` fields (e.g. `{ id: "p1" }`). */
export interface EntityChange {
  typename: string;
  key: Record<string, string | number>;
  /**
   * Whether the change can change which entities a list holds or in what order: the entity was
   * created or deleted, or a field that lists filter or sort on changed. Lists of the type are then
   * dropped as a whole; otherwise only the lists that hold this entity are.
   */
  reshapesLists: boolean;
}

export type EntityChangeListener = (changes: EntityChange[]) => void;

/** Called when announcements may have been missed (the subscription was down): whatever is cached may be stale. */
export type MissedChangesListener = () => void;

export interface EntityChanges {
  /** Announces changes that have committed; never throws (a lost announcement is bounded by the TTL). */
  publish(changes: EntityChange[]): Promise<void>;
  subscribe(listener: EntityChangeListener, missed?: MissedChangesListener): () => void;
  close(): Promise<void>;
}

/** One emitter per namespace in this process, so the embedded platform's services meet on it. */
const local = new Map<string, EventEmitter>();

function localEmitter(namespace: string): EventEmitter {
  let emitter = local.get(namespace);
  if (!emitter) {
    emitter = new EventEmitter();
    // Every gateway of a namespace in this process listens (the replica tests start two).
    emitter.setMaxListeners(0);
    local.set(namespace, emitter);
  }
  return emitter;
}

export interface EntityChangesOptions {
  redisUrl?: string;
  /** Prefix of this deployment's Redis keys and channels; publishers and gateways share it. */
  namespace: string;
  log: Logger;
}

export function openEntityChanges(options: EntityChangesOptions): EntityChanges {
  return options.redisUrl ? new RedisEntityChanges(options.redisUrl, options) : new InProcessEntityChanges(options.namespace, options.log);
}

const CHANGES_EVENT = 'changes';

/** Delivers synchronously, so a read after the write that announced a change never sees the old entry. */
class InProcessEntityChanges implements EntityChanges {
  private readonly emitter: EventEmitter;
  private readonly listeners: EntityChangeListener[] = [];

  constructor(
    namespace: string,
    private readonly log: Logger,
  ) {
    this.emitter = localEmitter(namespace);
  }

  async publish(changes: EntityChange[]): Promise<void> {
    if (changes.length === 0) return;
    // A listener that throws must not fail the write that announced the change (emit would throw it).
    for (const listener of this.emitter.listeners(CHANGES_EVENT) as EntityChangeListener[]) {
      try {
        listener(changes);
      } catch (error) {
        this.log.warn({ err: error }, 'an entity change listener failed');
      }
    }
  }

  subscribe(listener: EntityChangeListener): () => void {
    this.emitter.on(CHANGES_EVENT, listener);
    this.listeners.push(listener);
    return () => this.emitter.off(CHANGES_EVENT, listener);
  }

  async close(): Promise<void> {
    for (const listener of this.listeners.splice(0)) this.emitter.off(CHANGES_EVENT, listener);
  }
}

class RedisEntityChanges implements EntityChanges {
  private readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly listeners = new Set<EntityChangeListener>();
  private readonly missedListeners = new Set<MissedChangesListener>();

  constructor(
    private readonly url: string,
    private readonly options: EntityChangesOptions,
  ) {
    this.channel = `${options.namespace}:entity-changes`;
  }

  async publish(changes: EntityChange[]): Promise<void> {
    if (changes.length === 0) return;
    // Fails at once while Redis is away instead of queueing: a late announcement helps nobody.
    this.publisher ??= openRedis(this.url, {
      role: 'entity change announcements',
      log: this.options.log,
      extra: { enableOfflineQueue: false },
    });
    const publisher = this.publisher;
    try {
      // Without an offline queue a command fails while the connection is still being made (the first announcement after start).
      if (publisher.status !== 'ready') await within(once(publisher, 'ready'), PUBLISH_CONNECT_WAIT_MS);
      await publisher.publish(this.channel, JSON.stringify(changes));
    } catch (error) {
      this.options.log.warn(
        { err: error, changes: changes.length },
        'entity changes not announced; gateway caches hold them until their TTL',
      );
    }
  }

  subscribe(listener: EntityChangeListener, missed?: MissedChangesListener): () => void {
    this.listeners.add(listener);
    if (missed) this.missedListeners.add(missed);
    if (!this.subscriber) {
      // ioredis subscribes again by itself after a reconnect.
      this.subscriber = openRedis(this.url, { role: 'entity change subscription', log: this.options.log, blocking: true });
      let connectedBefore = false;
      this.subscriber.on('ready', () => {
        // Announcements made while the subscription was down are lost (pub/sub keeps nothing).
        if (connectedBefore) for (const each of this.missedListeners) each();
        connectedBefore = true;
      });
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel !== this.channel) return;
        let changes: EntityChange[];
        try {
          changes = JSON.parse(message) as EntityChange[];
        } catch (error) {
          this.options.log.warn({ err: error }, 'unreadable entity change announcement ignored');
          return;
        }
        for (const each of this.listeners) each(changes);
      });
      this.subscriber.subscribe(this.channel).catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'entity change subscription failed; retried on reconnect');
      });
    }
    return () => {
      this.listeners.delete(listener);
      if (missed) this.missedListeners.delete(missed);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.missedListeners.clear();
    await Promise.all([this.publisher, this.subscriber].filter((client) => client !== undefined).map((client) => closeRedis(client)));
  }
}
