/**
 * The cache keeps exactly what the supergraph tags cacheable: a fetch that selects no tagged field
 * (only `__typename`, the subgraph's answer to "does this entity exist") goes to the subgraph every
 * time and leaves nothing in the store, while a fetch of tagged fields is answered from it.
 */
import fs from 'node:fs';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { rootLogger } from '../../../../platform/logger';
import type { EntityChangeListener, EntityChanges } from '../../../../platform/entity-changes';
import { registry } from '../../../../platform/metrics';
import type { SubgraphFetchOutcome } from '../../../pipeline/plugin';
import { SUPERGRAPH_SDL } from '../../../supergraph';
import { EntityCache } from './cache';
import { CacheableSchema } from './schema';
import { MemoryStore, type CacheEntry } from './store';

const schema = new CacheableSchema(fs.readFileSync(SUPERGRAPH_SDL, 'utf8'));
const ENTITIES = (selection: string) => `query($representations:[_Any!]!){_entities(representations:$representations){${selection}}}`;
const REPRESENTATIONS = [
  { __typename: 'Product', id: 'product-001' },
  { __typename: 'Product', id: 'product-002' },
];

/** A store that counts what it is given to keep. */
class CountingStore extends MemoryStore {
  kept = 0;
  ttlsMs: number[] = [];
  override async set(entries: CacheEntry[], ttlMs: number): Promise<void> {
    this.kept += entries.length;
    this.ttlsMs.push(ttlMs);
    await super.set(entries, ttlMs);
  }
}

async function lookups(type: string): Promise<number> {
  const metric = (await registry.getSingleMetric('gateway_entity_cache_requests_total')?.get())?.values ?? [];
  return metric.filter((value) => value.labels.type === type).reduce((sum, value) => sum + value.value, 0);
}

describe('what the entity cache keeps', () => {
  let store: CountingStore;
  let cache: EntityCache;
  let fetches: number;

  /** The subgraph: answers every representation with the fields asked for. */
  const fetch = async (options: GraphQLDataSourceProcessOptions) => {
    fetches++;
    const { representations } = options.request.variables as { representations: { id: string }[] };
    return { data: { _entities: representations.map(({ id }) => ({ __typename: 'Product', id, name: `name of ${id}` })) } };
  };
  const process = (query: string) =>
    cache.process(
      'products',
      { request: { query, variables: { representations: REPRESENTATIONS } }, incomingRequestContext: {}, context: {} } as never,
      fetch as never,
    );

  beforeEach(() => {
    fetches = 0;
    store = new CountingStore(1000);
    cache = new EntityCache({ schema, store, ttlMs: 60_000, log: rootLogger });
  });

  afterEach(() => cache.close());

  it.each([
    ['only __typename', ENTITIES('__typename')],
    ['only __typename, in a type condition', ENTITIES('...on Product{__typename}')],
  ])('passes an _entities fetch selecting %s to the subgraph every time and keeps nothing', async (_name, query) => {
    const before = await lookups('Product');
    await process(query);
    await process(query);
    expect(fetches).toBe(2);
    expect(store.kept).toBe(0);
    expect(await lookups('Product')).toBe(before);
  });

  it('passes a root fetch selecting only __typename through', async () => {
    expect(schema.analyze('products', '{ __typename }')).toBeUndefined();
  });

  it('still answers a fetch of tagged fields from the cache', async () => {
    const query = ENTITIES('...on Product{__typename id name}');
    const first = await process(query);
    await new Promise((resolve) => setImmediate(resolve));
    const second = await process(query);
    expect(fetches).toBe(1);
    expect(store.kept).toBe(2);
    expect(second).toEqual(first);
  });

  it('keeps nothing of an answer shared from another fetch (fetch-dedup): the fetch that was sent keeps it', async () => {
    const outcome: SubgraphFetchOutcome = {};
    const shared = async (options: GraphQLDataSourceProcessOptions) => {
      outcome.deduplicated = true;
      return fetch(options);
    };
    const query = ENTITIES('...on Product{__typename id name}');
    const answer = await cache.process(
      'products',
      { request: { query, variables: { representations: REPRESENTATIONS } }, incomingRequestContext: {}, context: {} } as never,
      shared as never,
      outcome,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(answer.data).toEqual({ _entities: REPRESENTATIONS.map(({ id }) => expect.objectContaining({ id, name: `name of ${id}` })) });
    expect(store.kept).toBe(0);
  });

  it('moves to a new generation with every change announced, so fetch-dedup never shares across one', async () => {
    await cache.close();
    const listeners: EntityChangeListener[] = [];
    const changes: EntityChanges = {
      publish: async (announced) => {
        for (const listener of listeners) await listener.message(announced);
      },
      subscribe: (listener) => {
        listeners.push(listener);
        return () => undefined;
      },
      close: async () => undefined,
    };
    cache = new EntityCache({ schema, store, changes, ttlMs: 60_000, log: rootLogger });
    const before = cache.generation;
    await changes.publish([{ typename: 'Product', key: { id: 'product-001' }, reshapesLists: false }]);
    expect(cache.generation).not.toBe(before);
    const announced = cache.generation;
    for (const listener of listeners) await listener.gap();
    expect(cache.generation).not.toBe(announced);
  });

  it("keeps a subgraph's entries for that subgraph's own TTL when one is set", async () => {
    await cache.close();
    store = new CountingStore(1000);
    cache = new EntityCache({ schema, store, ttlMs: 60_000, ttlMsBySubgraph: { products: 5_000 }, log: rootLogger });
    await process(ENTITIES('...on Product{__typename id name}'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.ttlsMs).toEqual([5_000]);
  });
});
