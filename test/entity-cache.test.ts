/**
 * The gateway's entity cache on the real platform: repeated reads of what the products schema tags
 * cacheable come from the cache (metrics, and no SQL in the products subgraph), viewers' own fields
 * never come from it, each change the products service announces drops exactly the entries holding
 * the changed product, a Redis that dies costs hits but never answers, and the switch turns it off.
 */
import { rootLogger } from '../platform/logger';
import { openEntityChanges } from '../platform/entity-changes';
import { ENTITY_CACHE_DEFAULTS } from '../platform/config';
import { metricValue } from './support/metrics';
import { eventually } from './support/eventually';
import { deleteNamespace, startRedisProxy, type RedisProxy } from './support/redis-proxy';
import { SMALL_SEED, startTestPlatform, type TestPlatform } from './support/platform';

/** bench/interleaved.ts's CATALOGUE_PAGE: the workload the cache is measured on. */
const CATALOGUE = `{ products(first: 20) { edges { cursor node { id name category price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`;
/** Long enough that only an announcement, never the TTL, can drop an entry during a test. */
const CACHE_ON = { ...ENTITY_CACHE_DEFAULTS, enabled: true, ttlMs: 600_000 };

interface Node {
  id: string;
  stock: number;
  price: { amount: number };
}
type Catalogue = { products: { edges: { node: Node }[] } };
type OrderItems = { me: { orders: { edges: { node: { items: { productId: string; product: { stock: number; name: string } }[] } }[] } } };

const requests = (t: TestPlatform, type: string, outcome: 'hit' | 'miss') =>
  metricValue(t.url, 'gateway_entity_cache_requests_total', { type, outcome });

/**
 * Runs a read that misses the cache and waits until its answer has been written to the store: the
 * cache writes after the answer is sent, so without this a read right after could race the write.
 */
async function stored<T>(t: TestPlatform, read: () => Promise<T>): Promise<T> {
  const writes = await metricValue(t.url, 'gateway_entity_cache_writes_total');
  const answer = await read();
  await eventually(
    () => metricValue(t.url, 'gateway_entity_cache_writes_total'),
    (value) => value > writes,
    10_000,
  );
  return answer;
}

const productStock = (t: TestPlatform, id: string) =>
  // The key (id) is selected: a root answer is cached only when every entity in it can be named.
  t.client().request<{ product: { stock: number } }>('query ($id: ID!) { product(id: $id) { id stock } }', { id });

async function placeOrder(t: TestPlatform, token: string, key: string, productIds: string[]): Promise<void> {
  await t.client(token).request('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
    input: { idempotencyKey: key, items: productIds.map((productId) => ({ productId, quantity: 1 })) },
  });
}

describe('entity cache', () => {
  let t: TestPlatform;
  let catalogue: Node[];

  beforeAll(async () => {
    t = await startTestPlatform(SMALL_SEED, { config: { entityCache: CACHE_ON } });
    const { products } = await t.client().request<Catalogue>('{ products(first: 100) { edges { node { id stock price { amount } } } } }');
    catalogue = products.edges.map((edge) => edge.node).filter((node) => node.stock > 20);
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (t && process.env.REDIS_URL) await deleteNamespace(process.env.REDIS_URL, t.eventNamespace);
  });

  it('answers a repeated catalogue page from the cache, without asking the products subgraph', async () => {
    const first = await stored(t, () => t.client().request(CATALOGUE));
    const hits = await requests(t, 'Query.products', 'hit');
    const sql = t.platform.queryCounts.products;
    const second = await t.client().request(CATALOGUE);
    expect(second).toEqual(first);
    expect(await requests(t, 'Query.products', 'hit')).toBe(hits + 1);
    expect(t.platform.queryCounts.products).toBe(sql);
  });

  it("shares the catalogue between viewers but keeps each viewer's own fields to that viewer", async () => {
    const query = '{ me { id email } products(first: 3) { edges { node { id name } } } }';
    type Answer = { me: { id: string; email: string }; products: unknown };
    const adaToken = await t.token('user-0001');
    const ada = await stored(t, () => t.client(adaToken).request<Answer>(query));
    const hits = await requests(t, 'Query.products', 'hit');
    const bob = await t.client(await t.token('user-0002')).request<Answer>(query);
    expect(ada.me.id).toBe('user-0001');
    expect(bob.me.id).toBe('user-0002');
    expect(bob.me.email).not.toBe(ada.me.email);
    expect(bob.products).toEqual(ada.products);
    expect(await requests(t, 'Query.products', 'hit')).toBe(hits + 1);
  });

  it('serves the cached entities of a fetch and asks the subgraph for the others only, in order', async () => {
    const [x, z] = catalogue;
    const token = await t.token('user-0005');
    const itemsQuery = '{ me { orders(first: 20) { edges { node { items { productId product { name stock } } } } } } }';
    const items = async () => (await t.client(token).request<OrderItems>(itemsQuery)).me.orders.edges.flatMap((edge) => edge.node.items);
    await placeOrder(t, token, 'entity-cache-x', [x.id]);
    await stored(t, items);
    await placeOrder(t, token, 'entity-cache-z', [z.id]);
    const [hits, misses] = [await requests(t, 'Product', 'hit'), await requests(t, 'Product', 'miss')];
    const answer = await items();
    expect(await requests(t, 'Product', 'hit')).toBeGreaterThan(hits);
    expect(await requests(t, 'Product', 'miss')).toBeGreaterThan(misses);
    // Every item carries its own product, as the products subgraph has it now.
    for (const item of answer) {
      expect(item.product.stock).toBe((await productStock(t, item.productId)).product.stock);
    }
    expect(answer.find((item) => item.productId === z.id)!.product.stock).toBe(z.stock - 1);
    expect(answer.find((item) => item.productId === x.id)!.product.stock).toBe(x.stock - 1);
  });

  it('drops exactly the entries holding a product whose stock an order took', async () => {
    const [, , target, other] = catalogue;
    const before = (await productStock(t, target.id)).product.stock;
    await stored(t, () => productStock(t, other.id));
    await t.client().request(CATALOGUE);
    const token = await t.token('user-0006');
    await placeOrder(t, token, 'entity-cache-target', [target.id]);
    const hits = await requests(t, 'Query.product', 'hit');
    // Announced as the reservation commits, before the order is answered.
    expect((await productStock(t, target.id)).product.stock).toBe(before - 1);
    // A product the order did not touch is still answered from the cache.
    await productStock(t, other.id);
    expect(await requests(t, 'Query.product', 'hit')).toBe(hits + 1);
  });

  it('drops a product whose stock an admin set', async () => {
    const [, , , , target] = catalogue;
    await stored(t, () => productStock(t, target.id));
    const admin = await t.token('user-0001', ['customer', 'admin']);
    await t.client(admin).request('mutation ($id: ID!) { setProductStock(productId: $id, stock: 4321) { id } }', { id: target.id });
    expect((await productStock(t, target.id)).product.stock).toBe(4321);
  });

  it('drops a product whose price changed, once the change is announced', async () => {
    const [, , , , , target] = catalogue;
    const price = () =>
      t.client().request<{ product: { price: { amount: number } } }>('query ($id: ID!) { product(id: $id) { id price { amount } } }', {
        id: target.id,
      });
    const before = (await price()).product.price.amount;
    // A writer outside the products service's mutations (a migration, an import) that announces what it changed.
    const prisma = t.platform.db.createClient();
    await prisma.product.update({ where: { id: target.id }, data: { priceAmount: before + 100 } });
    expect((await price()).product.price.amount).toBe(before);
    const changes = openEntityChanges({ redisUrl: t.platform.config.redisUrl, namespace: t.eventNamespace, log: rootLogger });
    try {
      await changes.publish([{ typename: 'Product', key: { id: target.id }, reshapesLists: false }]);
      const after = await eventually(price, (answer) => answer.product.price.amount !== before);
      expect(after.product.price.amount).toBe(before + 100);
    } finally {
      await changes.close();
    }
  });
});

describe('entity cache switched off', () => {
  let t: TestPlatform;

  beforeAll(async () => {
    t = await startTestPlatform(SMALL_SEED, { config: { entityCache: { ...CACHE_ON, enabled: false } } });
  }, 120_000);

  afterAll(() => t?.close());

  it('asks the products subgraph every time and counts no cache use', async () => {
    // The registry is the process's: the platform of the block above counted there too.
    const lookups = () => metricValue(t.url, 'gateway_entity_cache_requests_total');
    await t.client().request(CATALOGUE);
    const [sql, before] = [t.platform.queryCounts.products, await lookups()];
    await t.client().request(CATALOGUE);
    expect(t.platform.queryCounts.products).toBeGreaterThan(sql);
    expect(await lookups()).toBe(before);
  });
});

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('entity cache while Redis is down (REDIS_URL)', () => {
  let proxy: RedisProxy;
  let t: TestPlatform;

  beforeAll(async () => {
    proxy = await startRedisProxy(process.env.REDIS_URL!);
    t = await startTestPlatform(SMALL_SEED, { redisUrl: proxy.url, config: { entityCache: CACHE_ON } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    if (t) await deleteNamespace(process.env.REDIS_URL!, t.eventNamespace);
  });

  it('answers from the subgraph while Redis is down, and serves no entry that may have missed a change once it is back', async () => {
    const { products } = await t.client().request<Catalogue>('{ products(first: 30) { edges { node { id stock } } } }');
    const target = products.edges.map((edge) => edge.node).find((node) => node.stock > 20)!;
    await stored(t, () => productStock(t, target.id));
    const hits = await requests(t, 'Query.product', 'hit');
    await productStock(t, target.id);
    expect(await requests(t, 'Query.product', 'hit')).toBe(hits + 1);

    await proxy.stop();
    const admin = await t.token('user-0001', ['customer', 'admin']);
    // The change cannot be announced while Redis is down: the cached entry misses it.
    await t.client(admin).request('mutation ($id: ID!) { setProductStock(productId: $id, stock: 1234) { id } }', { id: target.id });
    expect((await productStock(t, target.id)).product.stock).toBe(1234);
    expect(await metricValue(t.url, 'gateway_entity_cache_store_errors_total', { operation: 'get' })).toBeGreaterThan(0);

    const flushes = await metricValue(t.url, 'gateway_entity_cache_flushes_total');
    await proxy.start();
    // The subscription comes back, knows it may have missed announcements, and empties the cache.
    await eventually(
      () => metricValue(t.url, 'gateway_entity_cache_flushes_total'),
      (value) => value > flushes,
      10_000,
    );
    expect((await productStock(t, target.id)).product.stock).toBe(1234);
  }, 60_000);
});
