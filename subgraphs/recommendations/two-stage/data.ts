/**
 * What the two-stage recommender reads from the recommendations read model: each user's ordered
 * history (purchases and recorded session interactions, with times) and item activity (counts in
 * total, last week and month, first time) — the same events training reads through
 * inference/training/platform-source.ts, so the ranker's features mean the same on both sides.
 */
import type { PrismaClient } from '../../../prisma/database';
import { DAY_MS, NO_ACTIVITY, type ActivitySource, type ItemActivity, type ScoredItem } from '../../../ranking/activity';
import type { HistoryEvent } from '../../../ranking/history';

/** Most recent events read per user: the features look at the last 20 and the length (log). */
export const HISTORY_LIMIT = 500;

export async function historiesOfUsers(prisma: PrismaClient, userIds: string[]): Promise<Map<string, HistoryEvent[]>> {
  const rows = await prisma.$queryRaw<{ userId: string; productId: string; at: Date }[]>`
    SELECT "userId", "productId", "at" FROM (
      SELECT "userId", "productId", "at", ROW_NUMBER() OVER (PARTITION BY "userId" ORDER BY "at" DESC) AS "n" FROM (
        SELECT "userId", "productId", "purchasedAt" AS "at" FROM "recommendations"."Purchase" WHERE "userId" = ANY(${userIds})
        UNION ALL
        SELECT "userId", "productId", "createdAt" AS "at" FROM "recommendations"."Interaction" WHERE "userId" = ANY(${userIds})
      ) AS "events"
    ) AS "ranked"
    WHERE "n" <= ${HISTORY_LIMIT}
    ORDER BY "userId", "at", "productId"`;
  const histories = new Map<string, HistoryEvent[]>(userIds.map((id) => [id, []]));
  for (const row of rows) histories.get(row.userId)?.push({ itemId: row.productId, at: new Date(row.at).getTime() });
  return histories;
}

const LISTS_TTL_MS = 30_000;
/** Ranked lists are long enough for the recall depth plus a heavy user's exclusions. */
const LIST_LENGTH = 1_000;

/** Item activity from the database, as of the database's present (serving asks for "now"). */
export class DatabaseActivity implements ActivitySource {
  private lists?: { at: number; value: Promise<{ trending: ScoredItem[]; popular: ScoredItem[] }> };

  constructor(private readonly prisma: PrismaClient) {}

  async activityOf(itemIds: readonly string[], now: number): Promise<Map<string, ItemActivity>> {
    const result = new Map<string, ItemActivity>(itemIds.map((id) => [id, NO_ACTIVITY]));
    if (itemIds.length === 0) return result;
    const at = new Date(now);
    const week = new Date(now - 7 * DAY_MS);
    const month = new Date(now - 30 * DAY_MS);
    const rows = await this.prisma.$queryRaw<{ productId: string; total: number; lastWeek: number; lastMonth: number; firstAt: Date }[]>`
      SELECT "productId",
             COUNT(*)::int AS "total",
             COUNT(*) FILTER (WHERE "at" >= ${week})::int AS "lastWeek",
             COUNT(*) FILTER (WHERE "at" >= ${month})::int AS "lastMonth",
             MIN("at") AS "firstAt"
      FROM (
        SELECT "productId", "purchasedAt" AS "at" FROM "recommendations"."Purchase" WHERE "productId" = ANY(${[...itemIds]})
        UNION ALL
        SELECT "productId", "createdAt" AS "at" FROM "recommendations"."Interaction" WHERE "productId" = ANY(${[...itemIds]})
      ) AS "events"
      WHERE "at" < ${at}
      GROUP BY "productId"`;
    for (const row of rows) {
      result.set(row.productId, {
        total: row.total,
        lastWeek: row.lastWeek,
        lastMonth: row.lastMonth,
        firstAt: new Date(row.firstAt).getTime(),
      });
    }
    return result;
  }

  async trending(_now: number, k: number): Promise<ScoredItem[]> {
    return (await this.ranked()).trending.slice(0, k);
  }

  async popular(_now: number, k: number): Promise<ScoredItem[]> {
    return (await this.ranked()).popular.slice(0, k);
  }

  /** Both lists change slowly: one query pair per service every 30 s serves every request. */
  private ranked(): Promise<{ trending: ScoredItem[]; popular: ScoredItem[] }> {
    if (!this.lists || Date.now() - this.lists.at > LISTS_TTL_MS) {
      const week = new Date(Date.now() - 7 * DAY_MS);
      const value = Promise.all([
        this.prisma.$queryRaw<{ itemId: string; score: number }[]>`
          SELECT "productId" AS "itemId", COUNT(*)::int AS "score" FROM (
            SELECT "productId", "purchasedAt" AS "at" FROM "recommendations"."Purchase" WHERE "purchasedAt" >= ${week}
            UNION ALL
            SELECT "productId", "createdAt" AS "at" FROM "recommendations"."Interaction" WHERE "createdAt" >= ${week}
          ) AS "events"
          GROUP BY "productId" ORDER BY "score" DESC, "productId" ASC LIMIT ${LIST_LENGTH}`,
        this.prisma.$queryRaw<{ itemId: string; score: number }[]>`
          SELECT "productId" AS "itemId", COUNT(*)::int AS "score" FROM (
            SELECT "productId" FROM "recommendations"."Purchase"
            UNION ALL
            SELECT "productId" FROM "recommendations"."Interaction"
          ) AS "events"
          GROUP BY "productId" ORDER BY "score" DESC, "productId" ASC LIMIT ${LIST_LENGTH}`,
      ]).then(([trending, popular]) => ({ trending, popular }));
      this.lists = { at: Date.now(), value };
      value.catch(() => (this.lists = undefined));
    }
    return this.lists.value;
  }
}
