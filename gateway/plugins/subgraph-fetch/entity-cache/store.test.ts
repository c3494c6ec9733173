import { MemoryStore } from './store';

describe('the in-process entity cache store', () => {
  it('drops every entry carrying an invalidated tag, and only those', async () => {
    const store = new MemoryStore(10);
    await store.set(
      [
        { key: 'list', value: '"p1,p2"', tags: ['Product:1', 'Product:2', 'Product:*'] },
        { key: 'p1', value: '"p1"', tags: ['Product:1'] },
        { key: 'p2', value: '"p2"', tags: ['Product:2'] },
      ],
      60_000,
    );
    await store.invalidate(['Product:1']);
    expect(await store.get(['list', 'p1', 'p2'])).toEqual([undefined, undefined, '"p2"']);
    await store.invalidate(['Product:*']);
    expect(await store.get(['p2'])).toEqual(['"p2"']);
  });

  it('evicts the least recently used entry past its bound', async () => {
    const store = new MemoryStore(2);
    await store.set([{ key: 'a', value: '1', tags: ['A'] }], 60_000);
    await store.set([{ key: 'b', value: '2', tags: ['B'] }], 60_000);
    await store.get(['a']);
    await store.set([{ key: 'c', value: '3', tags: ['C'] }], 60_000);
    expect(await store.get(['a', 'b', 'c'])).toEqual(['1', undefined, '3']);
  });

  it('forgets entries past their TTL', async () => {
    const store = new MemoryStore(2);
    await store.set([{ key: 'a', value: '1', tags: [] }], -1);
    expect(await store.get(['a'])).toEqual([undefined]);
  });
});
