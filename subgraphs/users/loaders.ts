import type { PrismaClient } from '../../prisma/database';
import type { Viewer } from '../../platform/viewer';
import { byIdLoader } from '../kit/loaders';
import type { DataExportWorker } from './exports/worker';
import { findUsersByIds } from './data';
import { mayReadUser } from './user.access';

export const createLoaders = (prisma: PrismaClient, viewer: Viewer, resources: { exports: DataExportWorker }) => ({
  /** The export worker: its clock, and waking it when an export is requested here. */
  exports: resources.exports,
  user: byIdLoader(
    (ids) => findUsersByIds(prisma, ids),
    (user) => mayReadUser(viewer, user),
  ),
});

export type UsersLoaders = ReturnType<typeof createLoaders>;
