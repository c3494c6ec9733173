import fs from 'node:fs';
import { SUPERGRAPH_SDL } from '../../../supergraph';
import { CacheableSchema, entityTag, listTag } from './schema';

/** bench/interleaved.ts's CATALOGUE_PAGE (not imported: that module starts the whole platform, subgraphs included). */
const CATALOGUE_PAGE = `{ products(first: 20) { edges { cursor node { id name category price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`;

const schema = new CacheableSchema(fs.readFileSync(SUPERGRAPH_SDL, 'utf8'));
const ENTITIES = (selection: string) =>
  `query($representations:[_Any!]!){_entities(representations:$representations){...on Product{${selection}}}}`;

describe('what the supergraph lets the entity cache keep', () => {
  it('caches the catalogue page as a root entry that lists products', () => {
    const plan = schema.analyze('products', CATALOGUE_PAGE);
    expect(plan).toMatchObject({ kind: 'root', label: 'Query.products', entityTypes: ['Product'] });
  });

  it('caches an _entities fetch of tagged Product fields, value types (Money) included', () => {
    expect(schema.analyze('products', ENTITIES('__typename name price{amount currency} stock'))).toMatchObject({ kind: 'entities' });
  });

  it('passes through any fetch that selects a field not tagged cacheable', () => {
    // Product.similar belongs to recommendations and depends on the catalogue's state and the model.
    expect(schema.analyze('recommendations', ENTITIES('similar{productId}'))).toBeUndefined();
    expect(schema.analyze('users', '{ me { id name } }')).toBeUndefined();
    expect(schema.analyze('products', '{ products(first: 2) { edges { node { id } } } me { id } }')).toBeUndefined();
  });

  it('never caches mutations', () => {
    expect(schema.analyze('products', 'mutation { setProductStock(productId: "p", stock: 1) { id stock } }')).toBeUndefined();
  });

  it('names every entity an answer holds, and refuses answers whose entities cannot be named', () => {
    const plan = schema.analyze('products', '{ products(first: 2) { edges { node { id name } } } }');
    if (plan?.kind !== 'root') throw new Error('expected a root fetch');
    const tags = new Set<string>();
    const data = { products: { edges: [{ node: { id: 'p1', name: 'a' } }, { node: { id: 'p2', name: 'b' } }] } };
    expect(schema.collectTags(data, schema.queryType!, plan.shape, tags)).toBe(true);
    expect([...tags].sort()).toEqual([entityTag('Product', { id: 'p1' }), entityTag('Product', { id: 'p2' })].sort());
    expect(listTag('Product')).not.toEqual(entityTag('Product', { id: '*' }));

    const withoutKeys = schema.analyze('products', '{ products(first: 2) { edges { node { name } } } }');
    if (withoutKeys?.kind !== 'root') throw new Error('expected a root fetch');
    expect(schema.collectTags({ products: { edges: [{ node: { name: 'a' } }] } }, schema.queryType!, withoutKeys.shape, new Set())).toBe(
      false,
    );
  });
});
