import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import type { ProductsResources } from './changes';
import { byIdLoader } from '../kit/loaders';
import { mayReadProduct } from './product.access';
import { findProductsByIds } from './data';

export const createLoaders = (prisma: PrismaClient, _viewer: Viewer, resources: ProductsResources) => ({
  /** Where writes announce the products they changed (./changes.ts). */
  changes: resources.changes,
  product: byIdLoader((ids) => findProductsByIds(prisma, ids), mayReadProduct),
});

export type ProductsLoaders = ReturnType<typeof createLoaders>;
