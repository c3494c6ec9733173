import type { EntityChange, EntityChangeListener, EntityChanges } from '../../../platform/entity-changes';
import type { ProductFacts } from '../presentation/business-rules';
import { PRODUCT_FACTS_TTL_MS, ProductFactsMemory } from './product-facts';

/** The change channel as the products subgraph would drive it, in memory (this module's unit test). */
function channel() {
  const listeners = new Set<EntityChangeListener>();
  const changes: EntityChanges = {
    publish: async (changed) => listeners.forEach((listener) => listener.message(changed)),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => undefined,
  };
  return { changes, gap: () => listeners.forEach((listener) => listener.gap()), listeners };
}

const product = (id: string): EntityChange => ({ typename: 'Product', key: { id }, reshapesLists: false });

/** A products service whose answers the test sets, counting the ids it was asked for. */
function productsService(facts: Record<string, ProductFacts | null>) {
  const asked: string[][] = [];
  return {
    asked,
    facts,
    fetch: async (ids: string[]) => {
      asked.push(ids);
      return new Map(ids.map((id) => [id, facts[id] ?? null]));
    },
  };
}

describe('ProductFactsMemory', () => {
  it('asks only for the products it does not remember, and remembers unknown products too', async () => {
    const { changes } = channel();
    const memory = new ProductFactsMemory(changes);
    const service = productsService({ a: { stock: 3, category: 'x' }, b: { stock: 0, category: 'y' } });
    expect(await memory.factsOf(['a', 'b', 'gone'], service.fetch)).toEqual([
      { stock: 3, category: 'x' },
      { stock: 0, category: 'y' },
      null,
    ]);
    expect(await memory.factsOf(['b', 'c', 'gone'], service.fetch)).toEqual([{ stock: 0, category: 'y' }, null, null]);
    expect(service.asked).toEqual([['a', 'b', 'gone'], ['c']]);
    await memory.close();
  });

  it('forgets a product when its change is announced, and everything on a gap', async () => {
    const { changes, gap } = channel();
    const memory = new ProductFactsMemory(changes);
    const service = productsService({ a: { stock: 3, category: 'x' }, b: { stock: 1, category: 'y' } });
    await memory.factsOf(['a', 'b'], service.fetch);

    service.facts.a = { stock: 0, category: 'x' };
    await changes.publish([product('a'), { typename: 'User', key: { id: 'b' }, reshapesLists: false }]);
    expect(await memory.factsOf(['a', 'b'], service.fetch)).toEqual([
      { stock: 0, category: 'x' },
      { stock: 1, category: 'y' },
    ]);
    expect(service.asked.at(-1)).toEqual(['a']);

    gap();
    await memory.factsOf(['a', 'b'], service.fetch);
    expect(service.asked.at(-1)).toEqual(['a', 'b']);
    await memory.close();
  });

  it('does not keep an answer that an announcement overtook', async () => {
    const { changes } = channel();
    const memory = new ProductFactsMemory(changes);
    const service = productsService({ a: { stock: 3, category: 'x' } });
    const answered = memory.factsOf(['a'], async (ids) => {
      const stale = await service.fetch(ids);
      // The stock changes, and is announced, while this answer is on its way.
      await changes.publish([product('a')]);
      return stale;
    });
    expect(await answered).toEqual([{ stock: 3, category: 'x' }]);
    service.facts.a = { stock: 0, category: 'x' };
    expect(await memory.factsOf(['a'], service.fetch)).toEqual([{ stock: 0, category: 'x' }]);
    await memory.close();
  });

  it('asks again once an answer is older than the TTL', async () => {
    let now = 1_000;
    const { changes } = channel();
    const memory = new ProductFactsMemory(changes, { now: () => now });
    const service = productsService({ a: { stock: 3, category: 'x' } });
    await memory.factsOf(['a'], service.fetch);
    now += PRODUCT_FACTS_TTL_MS - 1;
    await memory.factsOf(['a'], service.fetch);
    expect(service.asked).toHaveLength(1);
    now += 2;
    await memory.factsOf(['a'], service.fetch);
    expect(service.asked).toHaveLength(2);
    await memory.close();
  });

  it('remembers nothing of a call that failed, and stops listening when closed', async () => {
    const { changes, listeners } = channel();
    const memory = new ProductFactsMemory(changes);
    await expect(memory.factsOf(['a'], () => Promise.reject(new Error('products is down')))).rejects.toThrow('products is down');
    const service = productsService({ a: { stock: 1, category: 'x' } });
    await memory.factsOf(['a'], service.fetch);
    expect(service.asked).toEqual([['a']]);
    await memory.close();
    expect(listeners.size).toBe(0);
  });
});
