/**
 * The entity cache, around each subgraph fetch (as Apollo Router's entity caching): a fetch whose
 * every field the supergraph tags cacheable is answered from the cache where it can be.
 * - `_entities` fetches: one entry per entity (type, representation, selection), so a fetch with
 *   some hits asks the subgraph for the misses only and merges the answers back in order.
 * - root fetches (`products(first: 20)`): one entry per query and variables, tagged with every
 *   entity in the answer and with the entity types it lists.
 * Changes that subgraphs announce (platform/entity-changes.ts) drop the entries holding the changed
 * entities, and lists of their type when the change reshapes lists; a TTL bounds what an
 * announcement that never arrives leaves behind. A store that fails is a miss, never an error.
 */
import type { DocumentNode } from 'graphql';
import type { EntityChange, EntityChanges } from '../../../../platform/entity-changes';
import type { Logger } from '../../../../platform/logger';
import type { SubgraphFetchOutcome, SubgraphResult } from '../../../pipeline/plugin';
import { entityCacheFlushes, entityCacheInvalidations, entityCacheRequests, entityCacheStoreErrors, entityCacheWrites } from './metrics';
import { entityTag, listTag, sha1, type CacheableSchema, type EntitiesFetch, type RootFetch } from './schema';
import type { CacheEntry, EntityCacheStore } from './store';

type Response = SubgraphResult;
/** What the cache reads of a fetch; a fetch for the misses only is the same fetch with other variables. */
type Options = { request: { query?: string; variables?: Record<string, unknown> }; document?: DocumentNode };
type Fetch<O> = (options: O) => Promise<Response>;
type Representation = Record<string, unknown> & { __typename?: unknown };

export interface EntityCacheOptions {
  schema: CacheableSchema;
  store: EntityCacheStore;
  /** Where subgraphs announce changes (the cache closes it); without one, only the TTL bounds staleness. */
  changes?: EntityChanges;
  ttlMs: number;
  /** Subgraphs whose entries live longer or shorter than ttlMs. */
  ttlMsBySubgraph?: Partial<Record<string, number>>;
  log: Logger;
}

export class EntityCache {
  /**
   * Counts the announcements heard. A fetch that started before one and ended after it may hold
   * the value from before the change: its answer is passed on but not stored.
   */
  private epoch = 0;

  /** Changes with every announcement heard (and every flush): fetch-dedup never shares a fetch across one. */
  get generation(): number {
    return this.epoch;
  }
  private readonly unsubscribe?: () => void;
  /** Set while the store fails: an outage logs once when it starts, not once per request. */
  private storeDown = false;
  /**
   * Invalidations sent to the store and not yet through. The store drops a tag's entries in steps
   * (a big tag must not stall the Redis that also carries events), so until it is done an entry
   * the change made stale may still be there: lookups miss meanwhile, never serve it.
   */
  private invalidationsInFlight = 0;

  constructor(private readonly options: EntityCacheOptions) {
    this.unsubscribe = options.changes?.subscribe({
      message: (changes) => this.invalidate(changes),
      gap: () => this.flush(),
    });
  }

  /**
   * Answers one client's subgraph fetch, from the cache where the supergraph allows it, else
   * through `fetch`; `outcome.cache` says which (left unset for a fetch the cache does not take).
   */
  async process<O extends Options>(subgraph: string, options: O, fetch: Fetch<O>, outcome: SubgraphFetchOutcome = {}): Promise<Response> {
    const { query } = options.request;
    if (!query) return fetch(options);
    const plan = this.options.schema.analyze(subgraph, query, options.document);
    if (!plan) return fetch(options);
    const ttlMs = this.options.ttlMsBySubgraph?.[subgraph] ?? this.options.ttlMs;
    return plan.kind === 'root' ? this.root(plan, options, fetch, outcome, ttlMs) : this.entities(plan, options, fetch, outcome, ttlMs);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.options.store.close();
    await this.options.changes?.close();
  }

  private async root<O extends Options>(
    plan: RootFetch,
    options: O,
    fetch: Fetch<O>,
    outcome: SubgraphFetchOutcome,
    ttlMs: number,
  ): Promise<Response> {
    const key = `r:${sha1(`${plan.queryHash}\n${JSON.stringify(options.request.variables ?? {})}`)}`;
    const [cached] = await this.lookup([key]);
    outcome.cache = cached === undefined ? 'miss' : 'hit';
    entityCacheRequests.inc({ type: plan.label, outcome: outcome.cache });
    if (cached !== undefined) return { data: JSON.parse(cached) as Record<string, unknown> };
    const epoch = this.epoch;
    const response = await fetch(options);
    const query = this.options.schema.queryType;
    // A shared answer (fetch-dedup) is stored by the fetch that was sent.
    if (!response.data || response.errors?.length || !query || outcome.deduplicated) return response;
    const tags = new Set(plan.entityTypes.map(listTag));
    if (this.options.schema.collectTags(response.data, query, plan.shape, tags)) {
      this.store(epoch, [{ key, value: JSON.stringify(response.data), tags: [...tags] }], ttlMs);
    }
    return response;
  }

  private async entities<O extends Options>(
    plan: EntitiesFetch,
    options: O,
    fetch: Fetch<O>,
    outcome: SubgraphFetchOutcome,
    ttlMs: number,
  ): Promise<Response> {
    const { representations, ...others } = (options.request.variables ?? {}) as { representations?: Representation[] };
    if (!Array.isArray(representations) || representations.length === 0) return fetch(options);
    const prefix = `${plan.queryHash}\n${JSON.stringify(others)}\n`;
    const keys = representations.map((representation) => `e:${sha1(prefix + JSON.stringify(representation))}`);
    const cached = await this.lookup(keys);
    const misses: number[] = [];
    cached.forEach((value, index) => {
      if (value === undefined) misses.push(index);
      entityCacheRequests.inc({ type: String(representations[index].__typename), outcome: value === undefined ? 'miss' : 'hit' });
    });
    const entities: unknown[] = cached.map((value) => (value === undefined ? null : JSON.parse(value)));
    const partial = misses.length < representations.length;
    outcome.cache = misses.length === 0 ? 'hit' : partial ? 'partial' : 'miss';
    if (misses.length === 0) return { data: { _entities: entities } };
    const epoch = this.epoch;
    const response = partial
      ? await fetch({
          ...options,
          request: { ...options.request, variables: { ...others, representations: misses.map((index) => representations[index]) } },
        })
      : await fetch(options);
    const received = (response.data as { _entities?: unknown[] } | null | undefined)?._entities;
    // A shared answer (fetch-dedup) is stored by the fetch that was sent: the same entries.
    const storable = Array.isArray(received) && !response.errors?.length && !outcome.deduplicated ? received : undefined;
    if (!partial) {
      if (storable) this.storeEntities(epoch, plan, keys, representations, misses, storable, ttlMs);
      return response;
    }
    misses.forEach((original, index) => {
      entities[original] = Array.isArray(received) ? (received[index] ?? null) : null;
    });
    if (storable) this.storeEntities(epoch, plan, keys, representations, misses, storable, ttlMs);
    // The subgraph numbered its errors by the misses it was asked for; the gateway numbers them by the whole list.
    const errors = response.errors?.map((error) => {
      const path = error.path;
      if (path?.[0] !== '_entities' || typeof path[1] !== 'number') return error;
      return { ...error, path: ['_entities', misses[path[1]] ?? path[1], ...path.slice(2)] };
    });
    return { ...response, data: { _entities: entities }, ...(errors ? { errors } : {}) };
  }

  private storeEntities(
    epoch: number,
    plan: EntitiesFetch,
    keys: string[],
    representations: Representation[],
    misses: number[],
    received: unknown[],
    ttlMs: number,
  ): void {
    const { schema } = this.options;
    const entries: CacheEntry[] = [];
    misses.forEach((original, index) => {
      const value = received[index];
      const representation = representations[original];
      const typename = String(representation.__typename);
      const own = schema.entityTagOf(typename, representation);
      // Not found (null) is not remembered: a product created later must not stay missing.
      if (value === null || typeof value !== 'object' || !own) return;
      const tags = new Set([own]);
      if (!schema.collectTagsBelow(value as Record<string, unknown>, plan.shapes.get(typename), tags)) return;
      entries.push({ key: keys[original], value: JSON.stringify(value), tags: [...tags] });
    });
    this.store(epoch, entries, ttlMs);
  }

  private async lookup(keys: string[]): Promise<(string | undefined)[]> {
    if (this.invalidationsInFlight > 0) return keys.map(() => undefined);
    try {
      const values = await this.options.store.get(keys);
      this.storeAnswers();
      return values;
    } catch (error) {
      this.storeFailed('get', error);
      return keys.map(() => undefined);
    }
  }

  /** Stores without holding the request: the answer is already on its way. */
  private store(epoch: number, entries: CacheEntry[], ttlMs: number): void {
    if (entries.length === 0 || epoch !== this.epoch) return;
    this.options.store.set(entries, ttlMs).then(
      () => {
        entityCacheWrites.inc(entries.length);
        this.storeAnswers();
      },
      (error: unknown) => this.storeFailed('set', error),
    );
  }

  private invalidate(changes: EntityChange[]): void {
    this.epoch++;
    const tags = new Set<string>();
    for (const change of changes) {
      tags.add(entityTag(change.typename, change.key));
      if (change.reshapesLists) tags.add(listTag(change.typename));
      entityCacheInvalidations.inc({ type: change.typename, scope: change.reshapesLists ? 'list' : 'entity' });
    }
    this.invalidationsInFlight++;
    this.options.store
      .invalidate([...tags])
      .then(
        () => this.storeAnswers(),
        (error: unknown) => this.storeFailed('invalidate', error),
      )
      .finally(() => this.invalidationsInFlight--);
  }

  /** Announcements may have been missed: nothing cached can be trusted any more. */
  private flush(): void {
    this.epoch++;
    entityCacheFlushes.inc();
    this.options.log.info('entity change announcements may have been missed: entity cache emptied');
    this.options.store.clear().then(
      () => this.storeAnswers(),
      (error: unknown) => this.storeFailed('clear', error),
    );
  }

  private storeAnswers(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.options.log.info('entity cache store answers again');
  }

  private storeFailed(operation: string, error: unknown): void {
    entityCacheStoreErrors.inc({ operation });
    if (this.storeDown) return;
    this.storeDown = true;
    this.options.log.warn({ err: error, operation }, 'entity cache store failing: fetching from subgraphs until it is back');
  }
}
