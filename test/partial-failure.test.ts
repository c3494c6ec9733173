/**
 * One subgraph down, the rest of the answer still there: the README's dashboard query with the
 * products subgraph stopped keeps the user, the orders and the recommendations; only the fields
 * the products subgraph resolves go null, each with a SERVICE_UNAVAILABLE error that has its path
 * and `serviceName: 'products'`; recommendations say they are degraded instead of coming back
 * empty. With products back, the full answer returns.
 */
import { gql } from 'graphql-request';
import { eventually } from './support/eventually';
import { PRODUCT_FACTS_TTL_MS } from '../subgraphs/recommendations/transport/product-facts';
import { metricValue } from './support/metrics';
import { startTestPlatform, type TestPlatform } from './support/platform';
import { ENTITY_CACHE_DEFAULTS } from '../platform/config';

const DASHBOARD = gql`
  {
    me {
      name
      orders(first: 3) {
        edges {
          node {
            total {
              amount
              currency
            }
            items {
              quantity
              productId
              product {
                name
                price {
                  amount
                }
              }
            }
            payment {
              status
            }
          }
        }
      }
      recommendations(first: 5) {
        score
        degraded
        degradedReasons
        productId
        product {
          name
          category
        }
      }
    }
  }
`;

type Path = (string | number)[];

interface GraphQLAnswer<T> {
  data?: T | null;
  errors?: { message: string; path?: Path; extensions?: Record<string, unknown> }[];
}

interface Dashboard {
  me: {
    name: string;
    orders: {
      edges: {
        node: {
          total: { amount: number };
          items: { quantity: number; productId: string; product: { name: string } | null }[];
          payment: { status: string } | null;
        };
      }[];
    } | null;
    recommendations:
      | {
          score: number;
          degraded: boolean;
          degradedReasons: string[];
          productId: string;
          product: { name: string; category: string } | null;
        }[]
      | null;
  } | null;
}

/** Sends a query and keeps both data and errors (a partial answer is what this file is about), and the HTTP status. */
async function post<T>(url: string, query: string, token?: string): Promise<GraphQLAnswer<T> & { status: number }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return { ...((await response.json()) as GraphQLAnswer<T>), status: response.status };
}

/** Sum of one Prometheus counter's series with these labels, from the gateway's /metrics (one registry per process). */
describe('a subgraph outage', () => {
  let t: TestPlatform;
  let token: string;

  beforeAll(async () => {
    // What clients see of an outage: answers the entity cache still holds would hide it (test/entity-cache.test.ts covers the cache).
    t = await startTestPlatform(undefined, { inference: true, config: { entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false } } });
    token = await t.token('user-0003');
    // At least one order, so the dashboard has items whose products live in the products subgraph.
    await t.placeOrder(token, 'partial-failure-order');
    // Starting with inference trains a model first: on a busy machine that alone can take a minute.
  }, 180_000);

  afterAll(() => t?.close());

  it('answers the full dashboard while every subgraph is up', async () => {
    const { data, errors } = await post<Dashboard>(t.url, DASHBOARD, token);
    expect(errors).toBeUndefined();
    const items = data!.me!.orders!.edges.flatMap((edge) => edge.node.items);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item.product !== null && item.product.name.length > 0)).toBe(true);
    expect(data!.me!.recommendations!.length).toBe(5);
    expect(data!.me!.recommendations!.every((rec) => rec.product !== null && !rec.degradedReasons.includes('PRODUCTS_UNAVAILABLE'))).toBe(
      true,
    );
  });

  it('nulls only the products fields, with a located SERVICE_UNAVAILABLE error each, while products is down', async () => {
    const fallbacksBefore = await metricValue(t.url, 'recommendations_fallbacks_total', { reason: 'products_unavailable' });
    await t.platform.stopSubgraph('products');
    // The recommendations subgraph trusts the stock and category it asked for within the last few
    // seconds (transport/product-facts.ts); after that it has to ask, and cannot.
    await new Promise((resolve) => setTimeout(resolve, PRODUCT_FACTS_TTL_MS + 100));

    const { data, errors, status } = await post<Dashboard>(t.url, DASHBOARD, token);
    expect(status).toBe(200);
    const me = data!.me!;
    expect(me.name.length).toBeGreaterThan(0);
    const edges = me.orders!.edges;
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) {
      expect(node.total.amount).toBeGreaterThan(0);
      for (const item of node.items) {
        expect(item).toEqual({ quantity: expect.any(Number) as number, productId: expect.any(String) as string, product: null });
      }
    }

    // Recommendations answer anyway, from what the subgraph has without products, and say so.
    const recommendations = me.recommendations!;
    expect(recommendations.length).toBeGreaterThan(0);
    for (const rec of recommendations) {
      expect(rec.degraded).toBe(true);
      expect(rec.degradedReasons).toContain('PRODUCTS_UNAVAILABLE');
      expect(rec.productId).toEqual(expect.any(String));
      expect(rec.product).toBeNull();
    }

    // One error per null field, at its path, naming the service; nothing masked, no stack.
    const expectedPaths = [
      ...edges.flatMap(({ node }, edge) => node.items.map((_, item) => ['me', 'orders', 'edges', edge, 'node', 'items', item, 'product'])),
      ...recommendations.map((_, index) => ['me', 'recommendations', index, 'product']),
    ];
    expect(errors).toBeDefined();
    expect(errors!.map((error) => error.path)).toEqual(expect.arrayContaining(expectedPaths));
    for (const error of errors!) {
      expect(error.path).toBeDefined();
      expect(error.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'connection_refused' });
      expect(error.message).toContain('products service is unavailable');
    }

    expect(await metricValue(t.url, 'recommendations_fallbacks_total', { reason: 'products_unavailable' })).toBeGreaterThan(
      fallbacksBefore,
    );
    expect(await metricValue(t.url, 'gateway_subgraph_unavailable_total', { subgraph: 'products' })).toBeGreaterThan(0);
  });

  it('nulls a root field of the missing subgraph and keeps the others', async () => {
    const { data, errors } = await post<{ me: { name: string } | null; products: unknown }>(
      t.url,
      '{ me { name } products(first: 2) { edges { node { name } } } }',
      token,
    );
    expect(data).toEqual({ me: { name: expect.any(String) as string }, products: null });
    expect(errors).toEqual([
      {
        message: expect.stringContaining('products service is unavailable') as string,
        path: ['products'],
        extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'connection_refused' },
      },
    ]);
  });

  it('fails a mutation of the missing subgraph as a whole, with the same error at its root field', async () => {
    const admin = await t.token('user-0001', ['customer', 'admin']);
    const { data, errors } = await post(t.url, 'mutation { setProductStock(productId: "any", stock: 1) { id } }', admin);
    expect(data).toBeNull();
    expect(errors).toEqual([
      expect.objectContaining({
        path: ['setProductStock'],
        extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', serviceName: 'products' }) as object,
      }),
    ]);
  });

  it('gives full answers again once products is back', async () => {
    await t.platform.restartSubgraph('products');
    const answer = await eventually(
      () => post<Dashboard>(t.url, DASHBOARD, token),
      (result) => result.errors === undefined,
      20_000,
    );
    expect(answer.errors).toBeUndefined();
    const items = answer.data!.me!.orders!.edges.flatMap((edge) => edge.node.items);
    expect(items.every((item) => item.product !== null)).toBe(true);
    const recommendations = answer.data!.me!.recommendations!;
    expect(recommendations.length).toBe(5);
    expect(recommendations.every((rec) => rec.product !== null && !rec.degradedReasons.includes('PRODUCTS_UNAVAILABLE'))).toBe(true);
  });
});
