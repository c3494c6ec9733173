import type { PrismaClient } from '../../prisma/database';
import { byIdLoader } from '../kit/loaders';
import { findUsersByIds } from './data';

export const createLoaders = (prisma: PrismaClient) => ({
  user: byIdLoader((ids) => findUsersByIds(prisma, ids)),
});

export type UsersLoaders = ReturnType<typeof createLoaders>;
