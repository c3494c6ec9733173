/**
 * Stock and category of products, asked of the products subgraph (which owns them) in one call per
 * batch, and remembered in the process for a few seconds: every list of every user needs the facts
 * of its ~30 candidates, and most of them are the same popular products, so without the memory
 * that call was a third of the subgraph's CPU per request. The products subgraph announces every
 * change of a product on the entity change channel (platform/entity-changes.ts), which drops it
 * here at once; the TTL bounds what a missed announcement can leave stale (without Redis, separate
 * processes share no channel).
 */
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import type { EntityChanges } from '../../../platform/entity-changes';
import type { ServiceClient } from '../../kit/service-client';
import type { Viewer } from '../../../platform/viewer';
import type { ProductFacts } from '../presentation/business-rules';

const FACTS = `query ProductFacts($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id stock category } }
}`;

const SERVICE: Viewer = { roles: ['service'] };

/**
 * How long facts are trusted without an announcement: as long as a stock change may go unseen when
 * announcements are lost. Short against the 10 min candidate cache, long against the milliseconds
 * between requests.
 */
export const PRODUCT_FACTS_TTL_MS = 5_000;

/** Rejects with SERVICE_UNAVAILABLE when the products service does not answer within `deadlineMs`. */
export async function fetchProductFacts(
  services: ServiceClient,
  ids: string[],
  deadlineMs: number,
): Promise<Map<string, ProductFacts | null>> {
  if (ids.length === 0) return new Map();
  const { _entities } = await services.request<{ _entities: ({ id: string; stock: number; category: string } | null)[] }>(
    'products',
    FACTS,
    { representations: ids.map((id) => ({ __typename: 'Product', id })) },
    SERVICE,
    { timeoutMs: deadlineMs },
  );
  return new Map(
    ids.map((id, index) => [id, _entities[index] ? { stock: _entities[index]!.stock, category: _entities[index]!.category } : null]),
  );
}

/** Facts fetched in the last PRODUCT_FACTS_TTL_MS, each dropped when its product's change is announced. */
export class ProductFactsMemory {
  /** `null` remembered too: a product the products service does not know. */
  private readonly facts: LRUCache<string, { value: ProductFacts | null }>;
  private readonly unsubscribe: () => void;
  /** Counts announcements and gaps: a fetch that one overtook may hold what it announced as changed. */
  private generation = 0;

  /** `clock` (milliseconds, monotonic; default performance.now) is what the TTL is counted on: a test sets it. */
  constructor(
    private readonly changes: EntityChanges,
    clock?: { now(): number },
  ) {
    this.facts = new LRUCache({ max: 50_000, ttl: PRODUCT_FACTS_TTL_MS, ...(clock ? { perf: clock, ttlResolution: 0 } : {}) });
    this.unsubscribe = changes.subscribe({
      message: (changed) => {
        this.generation++;
        for (const change of changed) if (change.typename === 'Product') this.facts.delete(String(change.key.id));
      },
      // Announcements may have been missed: nothing remembered can be trusted.
      gap: () => {
        this.generation++;
        this.facts.clear();
      },
    });
  }

  async factsOf(ids: readonly string[], fetch: (ids: string[]) => Promise<Map<string, ProductFacts | null>>) {
    const known = new Map<string, ProductFacts | null>();
    const missing: string[] = [];
    for (const id of ids) {
      const remembered = this.facts.get(id);
      if (remembered) known.set(id, remembered.value);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const generation = this.generation;
      const fetched = await fetch(missing);
      for (const id of missing) {
        const value = fetched.get(id) ?? null;
        known.set(id, value);
        // This request uses what it fetched either way; only an answer no change overtook is kept.
        if (generation === this.generation) this.facts.set(id, { value });
      }
    }
    return ids.map((id) => known.get(id) ?? null);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    this.facts.clear();
    await this.changes.close();
  }
}

export const productFactsLoader = (services: ServiceClient, deadlineMs: number, memory: ProductFactsMemory, batch = true) =>
  new DataLoader<string, ProductFacts | null>((ids) => memory.factsOf(ids, (missing) => fetchProductFacts(services, missing, deadlineMs)), {
    batch,
  });
