/**
 * Catalogue search with the characters that mean something to SQL's LIKE or to PostgreSQL text:
 * `%` and `_` match themselves, a backslash is an ordinary character, and a NUL is refused with
 * BAD_USER_INPUT instead of failing in the database.
 */
import { gql } from 'graphql-request';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

const SEARCH = gql`
  query ($search: String!) {
    products(first: 1000, search: $search) {
      edges {
        node {
          name
        }
      }
    }
  }
`;

describe('catalogue search', () => {
  let t: TestPlatform;
  let all: string[];

  beforeAll(async () => {
    t = await startTestPlatform({ seed: 13, users: 5, products: 120, orders: 10 });
    const { products } = await t.client().request<{ products: { edges: { node: { name: string } }[] } }>(SEARCH, { search: '' });
    all = products.edges.map((edge) => edge.node.name);
  });

  afterAll(() => t?.close());

  const names = async (search: string) =>
    (await t.client().request<{ products: { edges: { node: { name: string } }[] } }>(SEARCH, { search })).products.edges.map(
      (edge) => edge.node.name,
    );

  it('finds what plain text finds', async () => {
    const word = all[0].split(' ')[0];
    const found = await names(word);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((name) => name.toLowerCase().includes(word.toLowerCase()))).toBe(true);
  });

  it('still finds a product by its exact SKU, whatever its case', async () => {
    const { products } = await t.client().request<{ products: { edges: { node: { name: string; sku: string } }[] } }>(gql`
      {
        products(first: 1) {
          edges {
            node {
              name
              sku
            }
          }
        }
      }
    `);
    const { name, sku } = products.edges[0].node;
    expect(await names(sku.toLowerCase())).toContain(name);
  });

  it.each(['%', '_', '%%', 'a_b', '\\', '\\%', "o'"])('treats %p as literal text', async (search) => {
    const expected = all.filter((name) => name.toLowerCase().includes(search.toLowerCase()));
    expect(await names(search)).toEqual(expect.arrayContaining(expected));
    expect((await names(search)).length).toBe(expected.length);
  });

  it('refuses a NUL character with BAD_USER_INPUT naming the argument', async () => {
    const errors = await graphqlErrors(t.client().request(SEARCH, { search: 'a\u0000b' }));
    expect(errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'search' } });
  });
});
