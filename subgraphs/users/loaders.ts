import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import { byIdLoader } from '../kit/loaders';
import { findUsersByIds } from './data';
import type { UsersResources } from './resources';
import { mayReadUser } from './user.access';

export const createLoaders = (prisma: PrismaClient, viewer: Viewer, resources: UsersResources) => ({
  resources,
  user: byIdLoader(
    (ids) => findUsersByIds(prisma, ids),
    (user) => mayReadUser(viewer, user),
  ),
});

export type UsersLoaders = ReturnType<typeof createLoaders>;
