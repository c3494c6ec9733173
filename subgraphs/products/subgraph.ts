import type { SubgraphDefinition } from '../kit/definition';
import { ProductsPersonalDataResolver } from './personal-data';
import { createResources, disposeResources, type ProductsResources } from './changes';
import { createLoaders, type ProductsLoaders } from './loaders';
import { resolveProductReference } from './product.reference';
import { ProductResolver } from './resolver';
import { consumeStockReleases } from './stock-release';

export const productsSubgraph: SubgraphDefinition<ProductsLoaders, ProductsResources> = {
  name: 'products',
  resolvers: [ProductResolver, ProductsPersonalDataResolver],
  referenceResolvers: { Product: { __resolveReference: resolveProductReference } },
  init: createResources,
  createLoaders,
  consumeEvents: consumeStockReleases,
  dispose: disposeResources,
};
