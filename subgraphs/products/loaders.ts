import type { PrismaClient } from '../../prisma/database';
import { byIdLoader } from '../kit/loaders';
import { findProductsByIds } from './data';

export const createLoaders = (prisma: PrismaClient) => ({
  product: byIdLoader((ids) => findProductsByIds(prisma, ids)),
});

export type ProductsLoaders = ReturnType<typeof createLoaders>;
