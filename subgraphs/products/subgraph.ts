import type { SubgraphDefinition } from '../kit/definition';
import { createResources, disposeResources, type ProductsResources } from './changes';
import { createLoaders, type ProductsLoaders } from './loaders';
import { resolveProductReference } from './product.reference';
import { ProductResolver } from './resolver';

export const productsSubgraph: SubgraphDefinition<ProductsLoaders, ProductsResources> = {
  name: 'products',
  resolvers: [ProductResolver],
  referenceResolvers: { Product: { __resolveReference: resolveProductReference } },
  init: createResources,
  createLoaders,
  dispose: disposeResources,
};
