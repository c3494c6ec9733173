/**
 * Applies the SQL migrations in prisma/migrations (Prisma's folder format) and records them in
 * `_prisma_migrations` exactly as `prisma migrate deploy` does, so production can switch to the
 * Prisma CLI at any time. We run them ourselves because the CLI fetches its native schema engine
 * from Prisma's CDN, outside the npm registry that is all a fresh machine needs to reach
 * (docs/operations.md, "Install scripts").
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../platform/paths';
import type { Database, SqlExecutor } from './database';

export const MIGRATIONS_DIR = fromRoot('prisma', 'migrations');

// The same advisory lock id Prisma Migrate takes, so our runner and the CLI never overlap.
const PRISMA_MIGRATE_LOCK = 72707369;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** Migrations on disk, in the order Prisma applies them (folder names sort by timestamp). */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies every pending migration; returns the names applied. Refuses a database whose history was edited. */
export async function migrate(db: Database, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  // One connection throughout: an advisory lock belongs to the session that took it.
  return db.session((sql) => applyPending(sql, dir));
}

async function applyPending(sql: SqlExecutor, dir: string): Promise<string[]> {
  await sql.exec(CREATE_MIGRATIONS_TABLE);
  await sql.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
  try {
    const applied = await sql.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const byName = new Map(applied.map((row) => [row.migration_name, row]));
    const done: string[] = [];
    for (const migration of readMigrations(dir)) {
      const previous = byName.get(migration.name);
      if (previous) {
        if (!previous.finished_at) throw new Error(`Migration ${migration.name} failed earlier; resolve it before starting`);
        if (previous.checksum !== migration.checksum) {
          throw new Error(`Migration ${migration.name} was edited after it was applied (checksum differs)`);
        }
        continue;
      }
      const id = crypto.randomUUID();
      await sql.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())', [
        id,
        migration.checksum,
        migration.name,
      ]);
      await sql.exec(`BEGIN;\n${migration.sql}\nCOMMIT;`);
      await sql.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      done.push(migration.name);
    }
    return done;
  } finally {
    await sql.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
  }
}
