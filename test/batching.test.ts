/**
 * Entity references resolve in batches: the SQL statements each subgraph sends stay the same
 * whether a response holds 10 entities or 1,000 (counted at the database client of each subgraph).
 */
import { gql } from 'graphql-request';
import type { SubgraphName } from '../platform/services';
import { startTestPlatform, type TestPlatform } from './support/platform';

const CATALOGUE = gql`
  query ($first: Int!) {
    products(first: $first) {
      edges {
        node {
          name
          similar(first: 2) {
            product {
              name
              price {
                amount
              }
            }
          }
        }
      }
    }
  }
`;

const CUSTOMERS = gql`
  query ($first: Int!) {
    users(first: $first) {
      edges {
        node {
          name
          orders(first: 3) {
            edges {
              node {
                total {
                  amount
                }
                items {
                  product {
                    name
                  }
                }
                payment {
                  status
                }
              }
            }
          }
        }
      }
    }
  }
`;

describe('entity batching', () => {
  let t: TestPlatform;
  let adminToken: string;

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 11, users: 120, products: 1100, orders: 1500 });
    adminToken = await t.token('user-0001', ['customer', 'admin']);
  });

  afterAll(() => t?.close());

  async function statementsFor(query: string, first: number) {
    const before = { ...t.platform.queryCounts };
    const data = await t.client(adminToken).request<Record<string, { edges: unknown[] }>>(query, { first });
    const after = t.platform.queryCounts;
    const delta = Object.fromEntries(Object.keys(after).map((name) => [name, after[name as SubgraphName] - before[name as SubgraphName]]));
    return { data, delta };
  }

  it('keeps SQL per subgraph constant from 10 to 1,000 products with similar items', async () => {
    await statementsFor(CATALOGUE, 5); // warms the popularity cache, which refreshes every 30 s
    const small = await statementsFor(CATALOGUE, 10);
    const large = await statementsFor(CATALOGUE, 1000);
    expect(large.data.products.edges).toHaveLength(1000);
    expect(large.delta).toEqual(small.delta);
    // The page; one batch for every similar product; one batch of stock facts for the recommendation rules.
    expect(large.delta.products).toBe(3);
    expect(large.delta.recommendations).toBe(1); // co-purchases of all 1,000 products at once
  });

  it('keeps SQL per subgraph constant from 10 to 100 customers with orders, items and payments', async () => {
    await statementsFor(CUSTOMERS, 5);
    const small = await statementsFor(CUSTOMERS, 10);
    const large = await statementsFor(CUSTOMERS, 100);
    expect(large.data.users.edges).toHaveLength(100);
    expect(large.delta).toEqual(small.delta);
    expect(large.delta.orders).toBe(1); // first page of every user's orders with the items of every order, in one statement
    expect(large.delta.payments).toBe(1);
    expect(large.delta.products).toBe(1);
  });
});
