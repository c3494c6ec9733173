/**
 * Requesting, following and downloading personal data exports. The subject or an admin may
 * request one; only whoever requested it (or an admin) may follow it; only whoever requested it
 * may download it, once, before it expires. An admin can follow any export but cannot take a
 * customer's own archive out from under them.
 */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { appError, ErrorCode, notFound } from '../../../platform/errors';
import { dataExports } from '../../../platform/metrics';
import { isAdmin, requireAllowed, requireUser, type Viewer } from '../../../platform/viewer';
import { Audited } from '../../kit/audit';
import type { SubgraphContext } from '../../kit/context';
import type { UsersLoaders } from '../loaders';
import { findExport, requestExport, takeArchive, type DataExportRow } from './data';
import { DataExport, DataExportDownload, toDataExport } from './data-export';

type Context = SubgraphContext<UsersLoaders>;

const mayFollow = (viewer: Viewer, row: DataExportRow) => isAdmin(viewer) || viewer.userId === row.requestedBy;

@Resolver(() => DataExport)
export class DataExportResolver {
  @Audited('user.export.request', { subject: ({ args }) => args.userId })
  @Mutation(() => DataExport, {
    description:
      'Export everything the platform holds about a user as one JSON archive (yourself, or any user for admins). Produced in the background: follow it with dataExport, download it once with downloadDataExport. While your last export of that user is still pending, running or ready to download, that one is returned instead of a new one.',
  })
  async requestDataExport(
    @Arg('userId', () => ID, { description: 'The user whose data is exported.' }) userId: string,
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<DataExport> {
    const requester = requireUser(viewer);
    requireAllowed(viewer, isAdmin(viewer) || requester === userId, 'You may export only your own data');
    if (!(await loaders.user.load(userId))) throw notFound('User', userId);
    const { row, created } = await requestExport(prisma, userId, requester, loaders.resources.exports.now());
    if (created) loaders.resources.exports.wake();
    return toDataExport(row);
  }

  @Query(() => DataExport, { nullable: true, description: 'A data export you requested (any export for admins), with its progress.' })
  async dataExport(
    @Arg('id', () => ID, { description: 'Id of the export.' }) id: string,
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<DataExport> {
    requireUser(viewer);
    const row = await findExport(prisma, id, loaders.resources.exports.now());
    if (!row) throw notFound('DataExport', id);
    requireAllowed(viewer, mayFollow(viewer, row), 'You may read only data exports you requested');
    return toDataExport(row);
  }

  // Its subject is the export: the archive leaves the platform here, so who took it is on record.
  @Audited('user.export.download', { subject: ({ args }) => args.id })
  @Mutation(() => DataExportDownload, {
    description:
      'Download a READY export you requested: the archive is returned this once and then deleted (the export becomes DOWNLOADED). Downloading again, or after it expired, fails with INVALID_STATE_TRANSITION and the export status in `extensions.status`.',
  })
  async downloadDataExport(
    @Arg('id', () => ID, { description: 'Id of the export.' }) id: string,
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<DataExportDownload> {
    const requester = requireUser(viewer);
    const now = loaders.resources.exports.now();
    const row = await findExport(prisma, id, now);
    if (!row) throw notFound('DataExport', id);
    requireAllowed(viewer, row.requestedBy === requester, 'Only whoever requested a data export may download it');
    const taken = await takeArchive(prisma, id, now);
    if (!taken) {
      // Read again: a concurrent download may have taken it between the two statements.
      const current = (await findExport(prisma, id, now)) ?? row;
      throw appError(ErrorCode.INVALID_STATE_TRANSITION, unavailableMessage(current.status), { status: current.status, id });
    }
    dataExports.inc({ outcome: 'downloaded' });
    return Object.assign(new DataExportDownload(), { export: toDataExport(taken.row), archive: taken.archive });
  }
}

function unavailableMessage(status: string): string {
  switch (status) {
    case 'DOWNLOADED':
      return 'This data export was already downloaded; its archive is deleted. Request a new export.';
    case 'EXPIRED':
      return 'This data export expired before it was downloaded; its archive is deleted. Request a new export.';
    case 'FAILED':
      return 'This data export failed. Request a new export.';
    default:
      return 'This data export is not ready yet; follow it with dataExport.';
  }
}
