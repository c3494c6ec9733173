/**
 * What the two-stage recommender reads from the recommendations read model: each user's ordered
 * history (purchases and recorded session interactions, with times) and item activity (counts in
 * total, last week and month, first time) — the same events training reads through
 * training/platform-source.ts, so the ranker's features mean the same on both sides.
 */
import type { PrismaClient } from '../../../../prisma/database';
import { DAY_MS, NO_ACTIVITY, type ActivitySource, type ItemActivity, type ScoredItem } from '../../../../ranking/activity';
import type { HistoryEvent } from '../../../../ranking/history';

/** Most recent events read per user: the features look at the last 20 and the length (log). */
export const HISTORY_LIMIT = 500;

/** A history event as served: what kind of event it was, for the session rule (session-share.ts). */
export interface ServedEvent extends HistoryEvent {
  kind: 'PURCHASE' | 'VIEW' | 'ADD_TO_CART';
}

export async function historiesOfUsers(prisma: PrismaClient, userIds: string[]): Promise<Map<string, ServedEvent[]>> {
  const rows = await prisma.$queryRaw<{ userId: string; productId: string; at: Date; kind: ServedEvent['kind'] }[]>`
    SELECT "userId", "productId", "at", "kind" FROM (
      SELECT "userId", "productId", "at", "kind", ROW_NUMBER() OVER (PARTITION BY "userId" ORDER BY "at" DESC) AS "n" FROM (
        SELECT "userId", "productId", "purchasedAt" AS "at", 'PURCHASE' AS "kind" FROM "recommendations"."Purchase" WHERE "userId" = ANY(${userIds})
        UNION ALL
        SELECT "userId", "productId", "createdAt" AS "at", "kind"::text AS "kind" FROM "recommendations"."Interaction" WHERE "userId" = ANY(${userIds})
      ) AS "events"
    ) AS "ranked"
    WHERE "n" <= ${HISTORY_LIMIT}
    ORDER BY "userId", "at", "productId"`;
  const histories = new Map<string, ServedEvent[]>(userIds.map((id) => [id, []]));
  for (const row of rows) histories.get(row.userId)?.push({ itemId: row.productId, at: new Date(row.at).getTime(), kind: row.kind });
  return histories;
}

/** Activity changes slowly: one snapshot per service every 30 s serves every request. */
const SNAPSHOT_TTL_MS = 30_000;
/** Ranked lists are long enough for the recall depth plus a heavy user's exclusions. */
const LIST_LENGTH = 1_000;

interface ActivitySnapshot {
  activity: Map<string, ItemActivity>;
  trending: ScoredItem[];
  popular: ScoredItem[];
}

/**
 * Item activity from the database: one aggregate over every taken item, refreshed every 30 s, so
 * a request costs no query (per request, the ~300 candidates' activity was the slowest read of
 * the pipeline). Counts are as of the snapshot, at most 30 s old: serving asks for "now" anyway.
 */
export class DatabaseActivity implements ActivitySource {
  private snapshot?: { at: number; value: Promise<ActivitySnapshot> };

  /** `now` is the clock the week and month windows are counted back from (tests fix it). */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly now: () => number = Date.now,
  ) {}

  async activityOf(itemIds: readonly string[]): Promise<Map<string, ItemActivity>> {
    const { activity } = await this.current();
    return new Map(itemIds.map((id) => [id, activity.get(id) ?? NO_ACTIVITY]));
  }

  async trending(_now: number, k: number): Promise<ScoredItem[]> {
    return (await this.current()).trending.slice(0, k);
  }

  async popular(_now: number, k: number): Promise<ScoredItem[]> {
    return (await this.current()).popular.slice(0, k);
  }

  private current(): Promise<ActivitySnapshot> {
    const now = this.now();
    if (!this.snapshot || now - this.snapshot.at > SNAPSHOT_TTL_MS) {
      const value = this.read(now);
      this.snapshot = { at: now, value };
      value.catch(() => (this.snapshot = undefined));
    }
    return this.snapshot.value;
  }

  private async read(now: number): Promise<ActivitySnapshot> {
    const week = new Date(now - 7 * DAY_MS);
    const month = new Date(now - 30 * DAY_MS);
    const rows = await this.prisma.$queryRaw<{ productId: string; total: number; lastWeek: number; lastMonth: number; firstAt: Date }[]>`
      SELECT "productId",
             COUNT(*)::int AS "total",
             COUNT(*) FILTER (WHERE "at" >= ${week})::int AS "lastWeek",
             COUNT(*) FILTER (WHERE "at" >= ${month})::int AS "lastMonth",
             MIN("at") AS "firstAt"
      FROM (
        SELECT "productId", "purchasedAt" AS "at" FROM "recommendations"."Purchase"
        UNION ALL
        SELECT "productId", "createdAt" AS "at" FROM "recommendations"."Interaction"
      ) AS "events"
      GROUP BY "productId"`;
    const activity = new Map<string, ItemActivity>();
    for (const row of rows) {
      activity.set(row.productId, {
        total: row.total,
        lastWeek: row.lastWeek,
        lastMonth: row.lastMonth,
        firstAt: new Date(row.firstAt).getTime(),
      });
    }
    const ranked = (score: (a: ItemActivity) => number) =>
      [...activity]
        .map(([itemId, a]) => ({ itemId, score: score(a) }))
        .filter((entry) => entry.score > 0)
        .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1))
        .slice(0, LIST_LENGTH);
    return { activity, trending: ranked((a) => a.lastWeek), popular: ranked((a) => a.total) };
  }
}
