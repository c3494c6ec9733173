/**
 * Opens the platform's database: PostgreSQL through @prisma/adapter-pg when DATABASE_URL is set,
 * embedded PGlite (persisted under the data directory, or in memory) otherwise. The same
 * migrations and the same Prisma client serve both; only the driver differs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { rootLogger } from '../platform/logger';
import { dbQueries, dbStatementDuration } from '../platform/metrics';
import { tracingOn, withinSpan } from '../platform/telemetry';
import { Prisma, PrismaClient } from './generated/client';
import { pgliteReader } from './pglite-reader';

export { PrismaClient };

/** Runs plain SQL outside Prisma: migrations and bulk seeding. */
export interface SqlExecutor {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly sql: SqlExecutor;
  /** Runs `fn` on one connection (needed for session state such as advisory locks). */
  session<T>(fn: (sql: SqlExecutor) => Promise<T>): Promise<T>;
  /** A Prisma client of its own (each service takes one, so its queries can be told apart). */
  createClient(options?: ClientOptions): PrismaClient;
  close(): Promise<void>;
}

export interface ClientOptions {
  /**
   * Counts every statement of the client, Prisma's and its SqlReader's alike, in
   * `db_queries_total{service}` and `db_statement_duration_seconds{service}` — the same in every
   * topology, since every process opens its database here.
   */
  service?: string;
  /** Called after each statement of the client as well (the embedded platform counts them per subgraph for tests). */
  onQuery?: () => void;
}

export interface DatabaseOptions {
  /** Postgres URL; omitted selects PGlite. */
  url?: string;
  /** PGlite directory; omitted (with no url) keeps the database in memory. */
  pgliteDir?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url ? openPostgres(options.url) : openPglite(options.pgliteDir);
}

/**
 * Plain reads on the connection(s) of one Prisma client, without Prisma's per-statement work
 * (query compilation, its request pipeline, result mapping), which outweighs the statement itself
 * for a small read (docs/benchmarks.md, "Plain reads"). For the hot read paths of
 * requests (loaders). Its statements name their columns so that every driver gives the values
 * Prisma would: enums `::text`, timestamps `AT TIME ZONE 'UTC'` (Prisma stores UTC in columns
 * without a zone; a driver would read them in its own). Counted like the client's own statements.
 */
export interface SqlReader {
  /** One statement made with `Prisma.sql`; its values travel as parameters, or (PGlite) as literals to a prepared statement. */
  query<Row>(statement: Prisma.Sql): Promise<Row[]>;
}

const readers = new WeakMap<PrismaClient, SqlReader>();

/** The reader made with `prisma` by its Database; for a client made elsewhere, one through Prisma's `$queryRaw`. */
export function sqlReaderOf(prisma: PrismaClient): SqlReader {
  let reader = readers.get(prisma);
  if (!reader) {
    reader = { query: <Row>(statement: Prisma.Sql) => prisma.$queryRaw<Row[]>(statement) };
    readers.set(prisma, reader);
  }
  return reader;
}

type ReadStatement = <Row>(statement: Prisma.Sql) => Promise<Row[]>;

/** What runs after each statement of a client: its service's series, then the caller's own hook. */
function statementHook({ service, onQuery }: ClientOptions): ((durationMs: number) => void) | undefined {
  if (service === undefined) return onQuery && (() => onQuery());
  const labels = { service };
  return (durationMs) => {
    dbQueries.inc(labels);
    dbStatementDuration.observe(labels, durationMs / 1000);
    onQuery?.();
  };
}

/** The methods of a driver adapter (and of its transactions) that each run one statement. */
const STATEMENTS = new Set<string | symbol>(['queryRaw', 'executeRaw']);

/**
 * A driver adapter (or one of its transactions) whose statements `hook` times: every statement
 * Prisma sends goes through one of these methods. The hook runs in the asynchronous context of
 * the code that awaited the query, so the active span is the request's (or, with Prisma's own
 * tracing on, its db_query span) and its trace id the exemplar; no Prisma query log is needed.
 */
function timedQueryable<T extends object>(target: T, hook: (durationMs: number) => void): T {
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (STATEMENTS.has(key)) {
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await method.apply(object, args);
          } finally {
            hook(performance.now() - started);
          }
        };
      }
      if (key === 'startTransaction')
        return async (...args: unknown[]) => timedQueryable((await method.apply(object, args)) as object, hook);
      return method.bind(object);
    },
  });
}

/** A driver adapter factory whose adapters time their statements (timedQueryable); the factory itself when nothing listens. */
function timedAdapter<F extends { connect(): Promise<object> }>(factory: F, options: ClientOptions): F {
  const hook = statementHook(options);
  if (!hook) return factory;
  return new Proxy(factory, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (key === 'connect') return async () => timedQueryable(await object.connect(), hook);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** Registers the client's plain reader, timed by the same hook as its Prisma statements. */
function withReader(client: PrismaClient, read: ReadStatement, options: ClientOptions): PrismaClient {
  const hook = statementHook(options);
  readers.set(client, {
    query: async <Row>(statement: Prisma.Sql) => {
      const run = () => (tracingOn() ? tracedRead<Row>(read, statement) : read<Row>(statement));
      if (!hook) return run();
      const started = performance.now();
      try {
        return await run();
      } finally {
        hook(performance.now() - started);
      }
    },
  });
  return client;
}

/**
 * A plain read as a span like Prisma's own statements (@prisma/instrumentation traces those, not
 * these, which bypass its client): the parameterised text only, never the values.
 */
async function tracedRead<Row>(read: ReadStatement, statement: Prisma.Sql): Promise<Row[]> {
  const text = statement.text;
  const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
  const span = trace.getTracer('federation-platform/database').startSpan(operation, {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text },
  });
  return withinSpan(span, context.active(), () => read<Row>(statement));
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server closes (restart, failover, DROP DATABASE ... FORCE) must not
  // crash the process; the pool replaces it on next use.
  pool.on('error', (error) => rootLogger.warn({ err: error }, 'idle database connection lost'));
  const clients: PrismaClient[] = [];
  const executor = (runner: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async exec(sql) {
      await runner.query(sql);
    },
    async query(sql, params) {
      const result = await runner.query(sql, params as unknown[]);
      return result.rows;
    },
  });
  return {
    kind: 'postgres',
    sql: executor(pool),
    async session(fn) {
      const connection = await pool.connect();
      try {
        return await fn(executor(connection));
      } finally {
        connection.release();
      }
    },
    createClient(options = {}) {
      const client = new PrismaClient({ adapter: timedAdapter(new PrismaPg(pool), options) });
      clients.push(client);
      const read: ReadStatement = async <Row>(statement: Prisma.Sql) => (await pool.query(statement.text, statement.values)).rows as Row[];
      return withReader(client, read, options);
    },
    async close() {
      await Promise.all(clients.map((c) => c.$disconnect()));
      await pool.end();
    },
  };
}

/**
 * PGlite is an in-process database: two processes on one directory would corrupt it. A lock file
 * beside the directory names the process that has it open; a second opener gets a clear error.
 */
function lockPgliteDir(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database ${dir} is in use by process ${holder} (is \`npm start\` running?). ` +
            'Stop it first, or set DATABASE_URL to use PostgreSQL, which many processes can share.',
          { cause: error },
        );
      }
      fs.rmSync(lockFile, { force: true }); // left behind by a process that is gone
    }
  }
  throw new Error(`Could not lock ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function openPglite(dir?: string): Promise<Database> {
  if (dir) fs.mkdirSync(path.dirname(dir), { recursive: true });
  const unlock = dir ? lockPgliteDir(dir) : () => undefined;
  const lite = dir ? new PGlite(dir) : new PGlite();
  await lite.waitReady.catch((error: unknown) => {
    unlock();
    throw error;
  });
  const clients: PrismaClient[] = [];
  const readPlain = pgliteReader(lite);
  const sql: SqlExecutor = {
    async exec(text) {
      await lite.exec(text);
    },
    async query(text, params) {
      const result = await lite.query(text, params as unknown[]);
      return result.rows as never[];
    },
  };
  return {
    kind: 'pglite',
    sql,
    session: (fn) => fn(sql),
    createClient(options = {}) {
      const client = new PrismaClient({ adapter: timedAdapter(new PrismaPGlite(lite), options) });
      clients.push(client);
      return withReader(client, readPlain, options);
    },
    async close() {
      await Promise.all(clients.map((c) => c.$disconnect()));
      await lite.close();
      unlock();
    },
  };
}
