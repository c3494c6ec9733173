import type { PrismaClient } from '../../prisma/database';
import { byIdLoader } from '../kit/loaders';
import { mayReadProduct } from './product.access';
import { findProductsByIds } from './data';

export const createLoaders = (prisma: PrismaClient) => ({
  product: byIdLoader((ids) => findProductsByIds(prisma, ids), mayReadProduct),
});

export type ProductsLoaders = ReturnType<typeof createLoaders>;
