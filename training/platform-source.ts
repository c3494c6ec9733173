/**
 * Training data from the platform's own database: every purchase (from the recommendations read
 * model of orders) and every recorded session interaction, plus the full lists of users and
 * products so that nobody and nothing is missing from the model's id maps. Training is an offline
 * job, so it reads across the subgraphs' schemas; no subgraph does.
 *
 * Erased users (docs/privacy.md#erasure) are left out: their rows are deleted by the erasure, and
 * any that a late event wrote afterwards are skipped here, since the trainer would otherwise add
 * their ids to the model's id map. Orders are never read, so pseudonymised ones feed nothing.
 */
import type { Database } from '../prisma/database';
import { CATEGORY_TOKEN_PREFIX } from '../platform/model-contract';
import type { Interaction, InteractionSource } from './interactions';

/** How much a session signal counts next to a purchase (weight 1). */
export const INTERACTION_WEIGHTS = { VIEW: 0.2, ADD_TO_CART: 0.5 } as const;

/** `p`'s user is not erased. */
const NOT_ERASED = `NOT EXISTS (SELECT 1 FROM "recommendations"."ErasedUser" e WHERE e."userId" = p."userId")`;

export class PlatformInteractionSource implements InteractionSource {
  constructor(private readonly db: Database) {}

  async load(): Promise<Interaction[]> {
    const purchases = await this.db.sql.query<{ userId: string; productId: string; at: Date }>(
      `SELECT "userId", "productId", "purchasedAt" AS "at" FROM "recommendations"."Purchase" p WHERE ${NOT_ERASED}`,
    );
    const signals = await this.db.sql.query<{ userId: string; productId: string; at: Date; kind: keyof typeof INTERACTION_WEIGHTS }>(
      `SELECT "userId", "productId", "createdAt" AS "at", "kind"::text AS "kind" FROM "recommendations"."Interaction" p WHERE ${NOT_ERASED}`,
    );
    return [
      ...purchases.map((row) => ({ userId: row.userId, itemId: row.productId, timestamp: new Date(row.at).getTime(), weight: 1 })),
      ...signals.map((row) => ({
        userId: row.userId,
        itemId: row.productId,
        timestamp: new Date(row.at).getTime(),
        weight: INTERACTION_WEIGHTS[row.kind],
      })),
    ];
  }

  /**
   * Content tokens per product for the content recall model: its category and a price band
   * (powers of two in whole currency units). The catalogue has no brand column.
   */
  async content(): Promise<Map<string, string[]>> {
    const products = await this.db.sql.query<{ id: string; category: string; priceAmount: number }>(
      `SELECT "id", "category", "priceAmount" FROM "products"."Product"`,
    );
    return new Map(products.map((p) => [p.id, [`${CATEGORY_TOKEN_PREFIX}${p.category}`, `price:${priceBand(p.priceAmount)}`]]));
  }

  /**
   * Every erased user, for publishing to blank in the id maps of the versions it keeps
   * (inference/repository/retention.ts): those versions were trained before the erasure.
   */
  async erasedUserIds(): Promise<string[]> {
    const rows = await this.db.sql.query<{ userId: string }>(`SELECT "userId" FROM "recommendations"."ErasedUser" ORDER BY "userId"`);
    return rows.map((row) => row.userId);
  }

  /** Every user and product id, in a stable order. */
  async ids(): Promise<{ userIds: string[]; itemIds: string[] }> {
    const users = await this.db.sql.query<{ id: string }>(
      `SELECT "id" FROM "users"."User" u
        WHERE NOT EXISTS (SELECT 1 FROM "recommendations"."ErasedUser" e WHERE e."userId" = u."id") ORDER BY "id"`,
    );
    const products = await this.db.sql.query<{ id: string }>(`SELECT "id" FROM "products"."Product" ORDER BY "id"`);
    return { userIds: users.map((row) => row.id), itemIds: products.map((row) => row.id) };
  }
}

/** 0 below 2 units, then one band per doubling (amounts are in cents). */
export function priceBand(amountCents: number): number {
  return Math.max(0, Math.floor(Math.log2(Math.max(1, amountCents / 100))));
}
