/**
 * Produces requested data exports. Every users-subgraph replica runs one; claims use FOR UPDATE
 * SKIP LOCKED and a lease (data.ts claimDue), as the webhook worker does, so replicas never work on
 * the same export at once and a crashed worker's export is taken up again after the lease.
 *
 * A round collects every part still missing, side by side, each bounded by the part timeout, and
 * keeps each part as it arrives: a subgraph that is down costs only its own part, which the next
 * round (retry.ts: backoff, bounded by the retry window) asks for again while the export stays
 * RUNNING with its progress visible. With every part in, the archive is assembled, checked against
 * the published format and stored READY until it expires. Each round also expires READY exports
 * past their time (their archive deleted).
 *
 * On close the loop stops and calls in flight are aborted; their exports are given back at once.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { DataExportConfig } from '../../../platform/config';
import type { Logger } from '../../../platform/logger';
import { dataExportDuration, dataExportPartFailures, dataExports } from '../../../platform/metrics';
import { EXPORT_FORMAT_VERSION, EXPORT_PARTS, exportArchiveSchema, type ExportPartName } from '../../../platform/privacy-export';
import { Sleeper } from '../../kit/sleeper';
import { collectPart, SubjectGone, type PartCollector } from './collect';
import { claimDue, collectedParts, expireDue, markFailed, markReady, recordPart, release, scheduleRetry, type ClaimedExport } from './data';
import { afterFailedRound } from './retry';

/** Exports worked on at once per worker: each makes one call per subgraph, and exports are rare. */
export const EXPORTS_PER_ROUND = 4;

export type Clock = () => Date;

export class DataExportWorker {
  private closed = false;
  private loop?: Promise<void>;
  private readonly sleeper = new Sleeper();
  private failing = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly collectors: Record<ExportPartName, PartCollector>,
    private readonly log: Logger,
    private readonly config: DataExportConfig,
    readonly now: Clock = () => new Date(),
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** An export was requested here: start it now rather than at the next poll. */
  wake(): void {
    this.sleeper.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    this.sleeper.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let more = false;
      try {
        more = await this.round();
        if (this.failing) this.log.info('data exports resumed');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.log.warn({ err: error }, 'data export worker cannot reach its table; retrying');
        this.failing = true;
      }
      if (!more && !this.closed) await this.sleeper.sleep(this.config.pollMs);
    }
  }

  /** One pass: expire what is due, then work on the exports due; resolves true when it took a full batch (more may be due). */
  async round(): Promise<boolean> {
    const expired = await expireDue(this.prisma, this.now());
    if (expired > 0) dataExports.inc({ outcome: 'expired' }, expired);
    const claimed = await claimDue(this.prisma, EXPORTS_PER_ROUND, this.config.leaseMs, this.now());
    await Promise.all(claimed.map((claim) => this.produce(claim)));
    return claimed.length === EXPORTS_PER_ROUND;
  }

  private async produce(claim: ClaimedExport): Promise<void> {
    const done = new Set(claim.partsDone);
    const missing = EXPORT_PARTS.filter((part) => !done.has(part));
    const failures: { part: ExportPartName; error: unknown }[] = [];
    await Promise.all(
      missing.map(async (part) => {
        try {
          const json = await collectPart(this.collectors, part, claim.subjectId, this.stop.signal);
          if (await recordPart(this.prisma, claim, part, json)) done.add(part);
        } catch (error) {
          failures.push({ part, error });
        }
      }),
    );
    if (this.closed && failures.length > 0) {
      await release(this.prisma, claim, this.now());
      return;
    }
    const gone = failures.find((failure) => failure.error instanceof SubjectGone);
    if (gone) return this.fail(claim, describe(gone));
    if (failures.length === 0 && done.size === EXPORT_PARTS.length) return this.assemble(claim);
    if (failures.length === 0) return; // the lease was lost mid-round: the other worker carries on.
    for (const failure of failures) dataExportPartFailures.inc({ subgraph: failure.part });
    const reason = failures.map(describe).join('; ');
    const next = afterFailedRound(claim.attempts, claim.requestedAtMs, this.now(), this.config, this.random);
    if (next.kind === 'fail') return this.fail(claim, `retry window over; ${reason}`);
    await scheduleRetry(this.prisma, claim, reason, next.at);
    this.log.info(
      { export: claim.id, round: claim.attempts, missing: failures.map((failure) => failure.part), retryAt: next.at, reason },
      'data export parts missing; will retry',
    );
  }

  private async assemble(claim: ClaimedExport): Promise<void> {
    const now = this.now();
    const parts = await collectedParts(this.prisma, claim.id);
    // The whole archive is checked once more as published: a part stored by an older replica cannot slip through.
    const checked = exportArchiveSchema.safeParse({
      formatVersion: EXPORT_FORMAT_VERSION,
      exportId: claim.id,
      subjectId: claim.subjectId,
      generatedAt: now.toISOString(),
      parts: Object.fromEntries(EXPORT_PARTS.map((part) => [part, parts[part]])),
    });
    // Every part was checked when it arrived, so this is a bug, not an outage: retrying would not help.
    if (!checked.success) return this.fail(claim, `archive does not match the published format: ${checked.error.message.slice(0, 300)}`);
    const archive = checked.data;
    const expiresAt = new Date(now.getTime() + this.config.ttlMs);
    if (!(await markReady(this.prisma, claim, JSON.stringify(archive, null, 2), now, expiresAt))) return;
    dataExports.inc({ outcome: 'ready' });
    dataExportDuration.observe(Math.max(0, now.getTime() - claim.requestedAtMs) / 1000);
    this.log.info({ export: claim.id, rounds: claim.attempts }, 'data export ready');
  }

  private async fail(claim: ClaimedExport, reason: string): Promise<void> {
    if (!(await markFailed(this.prisma, claim, reason, this.now()))) return;
    dataExports.inc({ outcome: 'failed' });
    this.log.warn({ export: claim.id, rounds: claim.attempts, reason }, 'data export failed');
  }
}

function describe(failure: { part: ExportPartName; error: unknown }): string {
  const message = String((failure.error as Error)?.message ?? failure.error);
  return `${failure.part}: ${message.slice(0, 200)}`;
}
