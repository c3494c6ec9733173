/**
 * Erasures waiting for a subgraph's part, read into erasure_parts_pending and
 * erasure_parts_oldest_pending_seconds: counters say how many erasures were requested and
 * completed, not which one has waited how long, and "an erasure stuck for an hour" is what an
 * operator must hear (docs/operations.md#erasurestuck). Every users replica reads the same tables
 * and reports the same values; the rule takes the max.
 */
import type { PrismaClient } from '../../prisma/database';
import type { Logger } from '../../platform/logger';
import { Sleeper } from '../kit/sleeper';
import { ERASURE_SUBGRAPHS } from './erasure.data';
import { erasurePartsOldestPending, erasurePartsPending } from './erasure.metrics';

/** How often a replica reads the pending erasures: far below the alert's hour, near a scrape interval. */
export const ERASURE_MEASURE_MS = 15_000;

/** The most pending erasures one reading looks at (oldest first): past it the counts only say "at least". */
export const PENDING_ERASURES_CAP = 100_000;

/** A reading that takes longer is abandoned (the gauges keep nothing stale: see ErasureBacklogMeter). */
const STATEMENT_TIMEOUT_MS = 2_000;

export interface PendingParts {
  /** Parts of this subgraph not yet done. */
  pending: number;
  /** Seconds since the oldest erasure waiting for it was requested; 0 when none waits. */
  oldestSeconds: number;
}

/**
 * Every erasure subgraph's pending parts, in one statement over the pending erasures only (a
 * partial index: completed erasures, however many, are never read), bounded in rows and time.
 */
export async function readErasureBacklog(prisma: PrismaClient): Promise<Record<string, PendingParts>> {
  const rows = await prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT_MS}ms'`);
      return tx.$queryRawUnsafe<{ subgraph: string; pending: number; oldest: number | null }[]>(
        `SELECT p."subgraph" AS "subgraph", count(*)::int AS "pending",
                EXTRACT(EPOCH FROM (CURRENT_TIMESTAMP - min(e."requestedAt")))::float8 AS "oldest"
           FROM (SELECT "id", "requestedAt" FROM "users"."Erasure" WHERE "completedAt" IS NULL
                  ORDER BY "requestedAt" LIMIT $1) AS e
           JOIN "users"."ErasurePart" AS p ON p."erasureId" = e."id" AND p."completedAt" IS NULL
          GROUP BY p."subgraph"`,
        PENDING_ERASURES_CAP,
      );
    },
    { timeout: STATEMENT_TIMEOUT_MS * 2 },
  );
  const bySubgraph: Record<string, PendingParts> = Object.fromEntries(
    ERASURE_SUBGRAPHS.map((subgraph) => [subgraph, { pending: 0, oldestSeconds: 0 }]),
  );
  for (const row of rows) bySubgraph[row.subgraph] = { pending: Number(row.pending), oldestSeconds: Math.max(0, Number(row.oldest ?? 0)) };
  return bySubgraph;
}

/** Reads the backlog into the gauges every `everyMs` until closed. */
export class ErasureBacklogMeter {
  private closed = false;
  private loop?: Promise<void>;
  private readonly sleeper = new Sleeper();
  private failing = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly everyMs: number = ERASURE_MEASURE_MS,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      await this.measure();
      await this.sleeper.sleep(this.everyMs, { wakeable: false });
    }
  }

  private async measure(): Promise<void> {
    try {
      const backlog = await readErasureBacklog(this.prisma);
      for (const [subgraph, parts] of Object.entries(backlog)) {
        erasurePartsPending.set({ subgraph }, parts.pending);
        erasurePartsOldestPending.set({ subgraph }, parts.oldestSeconds);
      }
      if (this.failing) this.log.info('pending erasures read again');
      this.failing = false;
    } catch (error) {
      // No reading is better than an old one: a stale age would keep ErasureStuck firing (or quiet) after the fact.
      erasurePartsPending.reset();
      erasurePartsOldestPending.reset();
      if (!this.failing) this.log.warn({ err: error }, 'cannot read pending erasures; retrying');
      this.failing = true;
    }
  }
}

/** Starts this replica's meter on the background client, so request SQL counts stay the requests'. */
export function startErasureBacklogMeter(prisma: PrismaClient, log: Logger): ErasureBacklogMeter {
  const meter = new ErasureBacklogMeter(prisma, log.child({ component: 'erasure-backlog' }));
  meter.start();
  return meter;
}
