import type { SubgraphDefinition } from '../kit/definition';
import { createLoaders, type ProductsLoaders } from './loaders';
import { resolveProductReference } from './product.reference';
import { ProductResolver } from './resolver';

export const productsSubgraph: SubgraphDefinition<ProductsLoaders> = {
  name: 'products',
  resolvers: [ProductResolver],
  referenceResolvers: { Product: { __resolveReference: resolveProductReference } },
  createLoaders,
};
