/** The data export as clients see it (main supergraph only: nothing here is tagged for the partner contract). */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { EXPORT_PARTS } from '../../../platform/privacy-export';
import type { DataExportRow } from './data';

export enum DataExportStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  READY = 'READY',
  DOWNLOADED = 'DOWNLOADED',
  EXPIRED = 'EXPIRED',
  FAILED = 'FAILED',
}

registerEnumType(DataExportStatus, {
  name: 'DataExportStatus',
  description: 'Where a personal data export stands.',
  valuesConfig: {
    PENDING: { description: 'Requested; no part collected yet.' },
    RUNNING: {
      description: 'Parts are being collected; a subgraph that is unavailable is asked again later (see progress).',
    },
    READY: { description: 'The archive may be downloaded, once, until expiresAt.' },
    DOWNLOADED: { description: 'The archive was downloaded and deleted.' },
    EXPIRED: { description: 'Not downloaded in time; the archive was deleted. Request a new export.' },
    FAILED: { description: 'A part could not be collected within the retry window; nothing is kept. Request a new export.' },
  },
});

@ObjectType({ description: 'How far the collection of an export has come: one part per subgraph.' })
export class DataExportProgress {
  @Field(() => Int, { description: 'Parts collected.' })
  partsDone!: number;

  @Field(() => Int, { description: 'Parts an archive has (one per subgraph).' })
  partsTotal!: number;

  @Field(() => [String], { description: 'Subgraphs whose part is collected.' })
  collected!: string[];

  @Field(() => [String], { description: 'Subgraphs whose part is still missing (while RUNNING: asked again at retryAt).' })
  missing!: string[];

  @Field(() => Date, {
    nullable: true,
    description: 'When missing parts are asked for again, after a subgraph did not answer; null when no retry is waiting.',
  })
  retryAt!: Date | null;
}

@ObjectType({
  description: 'A copy of everything the platform holds about one user, produced asynchronously and downloaded once (docs/privacy.md).',
})
export class DataExport {
  @Field(() => ID, { description: 'Stable identifier of the export.' })
  id!: string;

  @Field(() => ID, { description: 'Id of the user the export is about.' })
  subjectId!: string;

  @Field(() => ID, { description: 'Id of the user who requested it (the subject, or an admin).' })
  requestedBy!: string;

  @Field(() => DataExportStatus, { description: 'Where the export stands.' })
  status!: DataExportStatus;

  @Field(() => DataExportProgress, { description: 'Which parts are collected and which are missing.' })
  progress!: DataExportProgress;

  @Field(() => Date, { description: 'When it was requested.' })
  requestedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the archive was ready.' })
  readyAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Until when the archive may be downloaded (PRIVACY_EXPORT_TTL_HOURS after readyAt).' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the archive was downloaded (and deleted).' })
  downloadedAt!: Date | null;
}

@ObjectType({ description: 'A downloaded export: the archive, handed out this once.' })
export class DataExportDownload {
  @Field(() => DataExport, { description: 'The export, now DOWNLOADED.' })
  export!: DataExport;

  @Field(() => String, {
    description:
      'The archive as JSON text, exactly as produced: save it as a file. Its format is docs/privacy-export.schema.json (formatVersion, generatedAt, subjectId, one part per subgraph).',
  })
  archive!: string;
}

export function toDataExport(row: DataExportRow): DataExport {
  const collected = EXPORT_PARTS.filter((part) => row.partsDone.includes(part));
  const waiting = row.status === 'RUNNING' && row.lastError !== null;
  return Object.assign(new DataExport(), {
    id: row.id,
    subjectId: row.subjectId,
    requestedBy: row.requestedBy,
    status: row.status as DataExportStatus,
    progress: Object.assign(new DataExportProgress(), {
      partsDone: collected.length,
      partsTotal: EXPORT_PARTS.length,
      collected,
      missing: EXPORT_PARTS.filter((part) => !row.partsDone.includes(part)),
      retryAt: waiting ? row.nextAttemptAt : null,
    }),
    requestedAt: row.requestedAt,
    readyAt: row.readyAt,
    expiresAt: row.expiresAt,
    downloadedAt: row.downloadedAt,
  });
}
