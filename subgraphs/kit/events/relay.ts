/**
 * Publishes a schema's outbox rows to the event bus and marks them sent. Every replica of a
 * service runs one: a claim takes rows with FOR UPDATE SKIP LOCKED and leases them for a while,
 * so replicas never send the same row at once, and rows a crashed relay had claimed become
 * claimable again when the lease runs out. A publish that fails (bus down) is retried with a
 * short backoff for as long as it takes; rows stay in order. Sent rows are deleted after the
 * retention period (consumers' processed-event records too, in schemas that have them).
 *
 * Delivery is at least once: a relay that dies between publishing and marking sends the row
 * again after the lease, and consumers drop the duplicate by event id (processed.ts).
 *
 * Every few seconds the relay also reads how many rows wait and how old the oldest is into
 * outbox_pending_events and outbox_lag_seconds (./metrics.ts): one bounded statement per relay.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { Logger } from '../../../platform/logger';
import { Sleeper } from '../sleeper';
import { isProcessedSchema } from './processed';
import type { OutboxSchema } from './outbox';
import type { DomainEvent, EventBus } from './types';
import { outboxLag, outboxPending } from './metrics';

export interface RelayOptions {
  /** Rows claimed per round trip. */
  batchSize: number;
  /** How long a claim keeps other relays off its rows. */
  leaseMs: number;
  /** Waits after consecutive failed publishes; the last one repeats. */
  retryDelaysMs: number[];
  /** How often an idle relay looks for rows written by other processes or freed by expired leases. */
  idlePollMs: number;
  /** Sent rows (and processed-event records) older than this are deleted. */
  retentionMs: number;
  /** How often that deletion runs. */
  pruneEveryMs: number;
  /** How often the relay reads the outbox's backlog into outbox_pending_events and outbox_lag_seconds. */
  measureEveryMs: number;
}

export const RELAY_DEFAULTS: RelayOptions = {
  batchSize: 100,
  leaseMs: 30_000,
  retryDelaysMs: [100, 250, 500, 1000, 2000],
  idlePollMs: 1000,
  retentionMs: 7 * 24 * 3600_000,
  pruneEveryMs: 3600_000,
  measureEveryMs: 5_000,
};

/** The most pending rows one backlog reading counts: past it the count only says "at least this many". */
export const PENDING_COUNT_CAP = 100_000;

export interface OutboxBacklog {
  /** Rows not yet sent (claimed ones included), up to PENDING_COUNT_CAP. */
  pending: number;
  /** Seconds since the oldest of them was written; 0 when there is none. */
  lagSeconds: number;
}

/** The backlog of a schema's outbox, in one statement that reads at most PENDING_COUNT_CAP index entries. */
export async function readBacklog(prisma: PrismaClient, schema: OutboxSchema): Promise<OutboxBacklog> {
  const table = `"${schema}"."OutboxEvent"`;
  const [row] = await prisma.$queryRawUnsafe<{ pending: number; lag: number | null }[]>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM ${table} WHERE "sentAt" IS NULL LIMIT $1) AS waiting)::int AS "pending",
            (SELECT EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - "createdAt"))::float8 FROM ${table}
              WHERE "sentAt" IS NULL ORDER BY "seq" LIMIT 1) AS "lag"`,
    PENDING_COUNT_CAP,
  );
  return { pending: Number(row?.pending ?? 0), lagSeconds: Math.max(0, Number(row?.lag ?? 0)) };
}

interface ClaimedRow {
  id: string;
  event: DomainEvent;
  seq: bigint | number | string;
}

export class OutboxRelay {
  private readonly options: RelayOptions;
  private closed = false;
  private loop?: Promise<void>;
  private readonly sleeper = new Sleeper();
  private failures = 0;
  private lastPrune = 0;
  private lastMeasure = -Infinity;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly schema: OutboxSchema,
    private readonly bus: EventBus,
    private readonly log: Logger,
    options: Partial<RelayOptions> = {},
  ) {
    this.options = { ...RELAY_DEFAULTS, ...options };
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** A local transaction wrote events: publish now instead of at the next poll. */
  wake(): void {
    this.sleeper.wake();
  }

  /** Stops after the publish in progress (bounded by the bus's own timeout); unsent rows wait for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let delay = this.options.idlePollMs;
      try {
        await this.pruneWhenDue();
        const result = await this.relayBatch();
        await this.measureWhenDue();
        if (result === 'failed') delay = this.retryDelay();
        else if (result === 'full') continue;
      } catch (error) {
        // The database itself failed (restart, failover): try again like a failed publish, logging once.
        if (this.failures === 0) this.log.warn({ err: error, schema: this.schema }, 'outbox relay cannot reach its table; retrying');
        delay = this.retryDelay();
      }
      // While publishes fail, a new local write does not cut the backoff short.
      await this.sleeper.sleep(delay, { wakeable: this.failures === 0 });
    }
  }

  private retryDelay(): number {
    const delays = this.options.retryDelaysMs;
    return delays[Math.min(this.failures++, delays.length - 1)];
  }

  /** Claims a batch, publishes it in order, marks what was sent. */
  private async relayBatch(): Promise<'empty' | 'partial' | 'full' | 'failed'> {
    const rows = await this.claim();
    if (rows.length === 0) {
      // Nothing waiting (another replica may have sent what failed here): no backoff to keep.
      this.failures = 0;
      return 'empty';
    }
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index];
      if (this.closed) {
        await this.release(
          rows.slice(index).map((r) => r.id),
          'relay stopped',
        );
        return 'partial';
      }
      try {
        await this.bus.publish(row.event);
      } catch (error) {
        if (this.failures === 0) {
          this.log.warn({ err: error, schema: this.schema, event: row.event.type }, 'event bus unavailable; events wait in the outbox');
        }
        // The failed row and everything after it go back at once, in order; this relay's backoff
        // paces the next try.
        await this.release(
          rows.slice(index).map((r) => r.id),
          String((error as Error)?.message ?? error),
        );
        return 'failed';
      }
      await this.markSent(row.id);
    }
    if (this.failures > 0) this.log.info({ schema: this.schema }, 'event bus available again; outbox relaying');
    this.failures = 0;
    return rows.length === this.options.batchSize ? 'full' : 'partial';
  }

  private async claim(): Promise<ClaimedRow[]> {
    const table = `"${this.schema}"."OutboxEvent"`;
    const rows = await this.prisma.$queryRawUnsafe<ClaimedRow[]>(
      `UPDATE ${table} AS o
          SET "availableAt" = CURRENT_TIMESTAMP + make_interval(secs => $2::double precision / 1000),
              "attempts" = o."attempts" + 1
         FROM (SELECT "id" FROM ${table}
                WHERE "sentAt" IS NULL AND "availableAt" <= CURRENT_TIMESTAMP
                ORDER BY "seq" LIMIT $1
                FOR UPDATE SKIP LOCKED) AS claimable
        WHERE o."id" = claimable."id"
    RETURNING o."id", o."event", o."seq"`,
      this.options.batchSize,
      this.options.leaseMs,
    );
    return rows
      .map((row) => ({ ...row, event: (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as DomainEvent }))
      .sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  private async markSent(id: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE "${this.schema}"."OutboxEvent" SET "sentAt" = CURRENT_TIMESTAMP, "lastError" = NULL WHERE "id" = $1`,
      id,
    );
  }

  /** Ends the lease on rows not sent, so the next round (here or in another replica) takes them. */
  private async release(ids: string[], reason: string): Promise<void> {
    await this.prisma.$executeRawUnsafe(
      `UPDATE "${this.schema}"."OutboxEvent" SET "availableAt" = CURRENT_TIMESTAMP, "lastError" = $2
        WHERE "id" = ANY($1::text[]) AND "sentAt" IS NULL`,
      ids,
      reason.slice(0, 500),
    );
  }

  /**
   * Reads the backlog into the gauges, at most once per measureEveryMs: after a round, so a
   * published batch is no longer counted. Replicas read the same table and report the same values.
   */
  private async measureWhenDue(): Promise<void> {
    if (performance.now() - this.lastMeasure < this.options.measureEveryMs) return;
    this.lastMeasure = performance.now();
    const backlog = await readBacklog(this.prisma, this.schema);
    outboxPending.set({ service: this.schema }, backlog.pending);
    outboxLag.set({ service: this.schema }, backlog.lagSeconds);
  }

  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < this.options.pruneEveryMs) return;
    this.lastPrune = Date.now();
    await this.prune();
  }

  /** Deletes sent rows and processed-event records older than the retention period. */
  async prune(): Promise<{ outbox: number; processed: number }> {
    const seconds = this.options.retentionMs / 1000;
    const outbox = await this.prisma.$executeRawUnsafe(
      `DELETE FROM "${this.schema}"."OutboxEvent"
        WHERE "sentAt" IS NOT NULL AND "sentAt" < CURRENT_TIMESTAMP - make_interval(secs => $1::double precision)`,
      seconds,
    );
    const processed = isProcessedSchema(this.schema)
      ? await this.prisma.$executeRawUnsafe(
          `DELETE FROM "${this.schema}"."ProcessedEvent" WHERE "processedAt" < CURRENT_TIMESTAMP - make_interval(secs => $1::double precision)`,
          seconds,
        )
      : 0;
    return { outbox, processed };
  }
}
