import type { SubgraphContext } from '../kit/context';
import { toProduct } from './data';
import type { ProductsLoaders } from './loaders';
import type { Product } from './product';

/** Every Product reference of one request (order items, recommendations, ...) resolves in one query. */
export async function resolveProductReference(reference: Pick<Product, 'id'>, context: SubgraphContext<ProductsLoaders>) {
  const row = await context.loaders.product.load(reference.id);
  return row ? toProduct(row) : null;
}
