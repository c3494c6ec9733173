/**
 * Seeds an empty platform database with the deterministic demo data set. Services call
 * `seedIfEmpty` at start-up; `cli.ts` does the same from the command line.
 */
import type { Database, SqlExecutor } from '../database';
import { serviceLogger, type Logger } from '../../platform/logger';
import { generateSeed, type SeedOptions } from './generate';
import { writeSeedInSession, type SeedCounts } from './write';

export { generateSeed, SEED_REFERENCE_NOW } from './generate';
export type { SeedData, SeedOptions, SeedTruth } from './generate';
export { writeSeed, writeSeedInSession } from './write';
export type { SeedCounts, WriteSeedOptions } from './write';

/** The demo data set: sizes that seed in a few seconds even on embedded PGlite. */
export const DEFAULT_SEED_OPTIONS: Readonly<Required<Omit<SeedOptions, 'now'>>> = Object.freeze({
  seed: 42,
  users: 2000,
  products: 3000,
  orders: 30000,
});

export interface SeedIfEmptyOptions extends Partial<SeedOptions> {
  /** Progress bar on stderr (TTY only, once seeding takes more than a second). */
  progress?: boolean;
  logger?: Logger;
}

export interface SeedIfEmptyResult {
  seeded: boolean;
  counts?: SeedCounts;
}

/** Advisory lock so that services starting together against one Postgres seed it only once. */
const SEED_LOCK = 0x5eed5eed;

/** The midnight (UTC) that starts the current day: stable within a day, recent in a demo. */
export function startOfUtcDay(date: Date = new Date()): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

async function userCount(sql: SqlExecutor): Promise<number> {
  const rows = await sql.query<{ count: number | string }>('SELECT count(*)::int AS count FROM "users"."User"');
  return Number(rows[0]?.count ?? 0);
}

/**
 * Seeds the database when it holds no users (the schema must already be migrated). Options not
 * given come from DEFAULT_SEED_OPTIONS; `now` defaults to the start of the current UTC day.
 */
export async function seedIfEmpty(db: Database, options: SeedIfEmptyOptions = {}): Promise<SeedIfEmptyResult> {
  const log = options.logger ?? serviceLogger('seed');
  const seedOptions: SeedOptions = {
    seed: options.seed ?? DEFAULT_SEED_OPTIONS.seed,
    users: options.users ?? DEFAULT_SEED_OPTIONS.users,
    products: options.products ?? DEFAULT_SEED_OPTIONS.products,
    orders: options.orders ?? DEFAULT_SEED_OPTIONS.orders,
    now: options.now ?? startOfUtcDay(),
  };
  return db.session(async (sql) => {
    await sql.query('SELECT pg_advisory_lock($1)', [SEED_LOCK]);
    try {
      const existing = await userCount(sql);
      if (existing > 0) {
        log.debug({ users: existing }, 'database already holds data; not seeding');
        return { seeded: false };
      }
      const started = Date.now();
      const data = generateSeed(seedOptions);
      const generatedMs = Date.now() - started;
      const counts = await writeSeedInSession(sql, data, { progress: options.progress });
      log.info({ ...counts, seed: seedOptions.seed, generateMs: generatedMs, totalMs: Date.now() - started }, 'seeded the database');
      return { seeded: true, counts };
    } finally {
      await sql.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK]);
    }
  });
}

/** Empties every table the seed writes (and stock reservations and placement claims, which refer to its rows), for a fresh seed. */
export async function clearSeedTables(db: Database): Promise<void> {
  await db.sql.exec(
    'TRUNCATE "recommendations"."Purchase", "payments"."Payment", "orders"."OrderItem", "orders"."Order", ' +
      '"orders"."PlacementClaim", "products"."StockReservation", "products"."Product", "users"."User"',
  );
}
