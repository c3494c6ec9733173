/**
 * Seeds the platform database from the command line:
 *
 *   node dist/prisma/seed/cli.js [--seed N] [--users N] [--products N] [--orders N] [--now ISO] [--reset]
 *
 * The database is the one the services use: DATABASE_URL when set, else PGlite under
 * $DATA_DIR/pglite (.data/pglite). Migrations run first. A database that already holds users is
 * left alone unless --reset empties the seeded tables first.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dateOption, integerOption } from '../../platform/cli';
import { loadConfig } from '../../platform/config';
import { serviceLogger } from '../../platform/logger';
import { openDatabase } from '../database';
import { migrate } from '../migrate';
import { clearSeedTables, DEFAULT_SEED_OPTIONS, seedIfEmpty, type SeedIfEmptyOptions } from './index';

const USAGE = `Usage: node dist/prisma/seed/cli.js [options]

  --seed N       random seed (default ${DEFAULT_SEED_OPTIONS.seed})
  --users N      number of users (default ${DEFAULT_SEED_OPTIONS.users})
  --products N   number of products (default ${DEFAULT_SEED_OPTIONS.products})
  --orders N     number of orders (default ${DEFAULT_SEED_OPTIONS.orders})
  --now ISO      the moment the data ends at (default: start of today, UTC)
  --reset        empty the seeded tables first
  --help         show this text

The database is DATABASE_URL, or embedded PGlite under DATA_DIR (default .data) when unset.`;

export interface CliArgs {
  options: SeedIfEmptyOptions;
  reset: boolean;
  help: boolean;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      users: { type: 'string' },
      products: { type: 'string' },
      orders: { type: 'string' },
      now: { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const options: SeedIfEmptyOptions = {
    seed: integerOption(values.seed, 'seed'),
    users: integerOption(values.users, 'users', 0),
    products: integerOption(values.products, 'products', 0),
    orders: integerOption(values.orders, 'orders', 0),
    now: dateOption(values.now, 'now'),
  };
  return {
    options: Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    reset: values.reset,
    help: values.help,
  };
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = serviceLogger('seed');
  const config = loadConfig();
  const db = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { pgliteDir: path.join(config.dataDir, 'pglite') });
  try {
    log.info({ database: config.databaseUrl ? 'postgres' : path.join(config.dataDir, 'pglite') }, 'seeding');
    const applied = await migrate(db);
    if (applied.length > 0) log.info({ migrations: applied }, 'applied migrations');
    if (args.reset) {
      await clearSeedTables(db);
      log.info('emptied the seeded tables');
    }
    const started = Date.now();
    const result = await seedIfEmpty(db, { ...args.options, progress: true, logger: log });
    if (!result.seeded) log.info('the database already holds users; nothing seeded (use --reset to start over)');
    else log.info({ ms: Date.now() - started }, 'done');
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    serviceLogger('seed').error({ err: error }, 'seeding failed');
    process.exitCode = 1;
  });
}
