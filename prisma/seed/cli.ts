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

export function parseArgs(argv: string[]): CliArgs {
  const options: SeedIfEmptyOptions = {};
  let reset = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const count = (name: string): number => {
      const raw = value();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
      return n;
    };
    switch (flag) {
      case '--seed': {
        const raw = value();
        const n = Number(raw);
        if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`--seed must be an integer, got "${raw}"`);
        options.seed = n;
        break;
      }
      case '--users':
        options.users = count(flag);
        break;
      case '--products':
        options.products = count(flag);
        break;
      case '--orders':
        options.orders = count(flag);
        break;
      case '--now': {
        const raw = value();
        const date = new Date(raw);
        if (Number.isNaN(date.getTime())) throw new Error(`--now must be an ISO date, got "${raw}"`);
        options.now = date;
        break;
      }
      case '--reset':
        reset = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`Unknown argument "${arg}"`);
    }
  }
  return { options, reset, help };
}

async function main(): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
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
