/**
 * The entity change channel: how a subgraph tells every gateway that entities it owns changed,
 * right after the change commits, so the gateway's entity cache (gateway/plugins/subgraph-fetch/entity-cache) drops what
 * it holds of them. It lives here, in the shared contract module, because the gateway may not
 * import subgraph code.
 *
 * Changes travel on the platform's broadcast (./broadcast), with its policy: with Redis every
 * gateway replica hears them; without it they reach the gateway only in the embedded platform
 * (separate processes without Redis share no channel, and there only the cache's TTL bounds
 * staleness). When announcements may have been missed, subscribers get a gap.
 */
import { defineChannel, openBroadcast, type BroadcastListener, type Channel } from './broadcast';
import type { Logger } from './logger';

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

/**
 * A subscriber of entity changes: `message` gets changes that committed, `gap` is called when
 * announcements may have been missed, so whatever is cached may be stale.
 */
export type EntityChangeListener = BroadcastListener<EntityChange[]>;

export interface EntityChanges {
  /** Announces changes that have committed; never throws (a lost announcement becomes a gap for subscribers). */
  publish(changes: EntityChange[]): Promise<void>;
  subscribe(listener: EntityChangeListener): () => void;
  close(): Promise<void>;
}

export interface EntityChangesOptions {
  redisUrl?: string;
  /** Prefix of this deployment's Redis keys and channels; publishers and gateways share it. */
  namespace: string;
  log: Logger;
}

/** `<namespace>:entity-changes` on Redis, as before the broadcast existed, so mixed versions still meet. */
export const ENTITY_CHANGES: Channel<EntityChange[]> = defineChannel('entity-changes');

/** Entity changes on a broadcast of their own (closed with them). */
export function openEntityChanges(options: EntityChangesOptions): EntityChanges {
  const broadcast = openBroadcast(options);
  return {
    async publish(changes) {
      if (changes.length > 0) await broadcast.publish(ENTITY_CHANGES, changes);
    },
    subscribe: (listener) => broadcast.subscribe(ENTITY_CHANGES, listener),
    close: () => broadcast.close(),
  };
}
