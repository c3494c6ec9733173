/**
 * Writes generated seed data with multi-row INSERT statements, in one transaction on one
 * connection. Values are inlined as SQL literals (escaped below): that avoids Postgres' limit of
 * 65535 bind parameters per statement and is the fastest path on embedded PGlite, where every
 * round trip and every parameter conversion crosses into WebAssembly.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { Database, SqlExecutor } from '../database';
import type { SeedData } from './generate';

export interface SeedCounts {
  users: number;
  products: number;
  orders: number;
  orderItems: number;
  payments: number;
  purchases: number;
}

export interface WriteSeedOptions {
  /** Show a progress bar on stderr (only on a TTY, and only once writing has taken more than a second). */
  progress?: boolean;
  /** Rows per INSERT statement (default 2000). */
  rowsPerStatement?: number;
  /** Called after every statement with the rows written so far. */
  onProgress?: (written: number, total: number) => void;
}

// ---- SQL literals -----------------------------------------------------------------------------

/** A string literal; standard_conforming_strings is on in every supported server, so only quotes double. */
export function sqlString(value: string): string {
  if (value.includes('\u0000')) throw new Error('Seed values cannot contain NUL characters');
  return `'${value.replace(/'/g, "''")}'`;
}

export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Seed value ${value} is not an integer`);
  return String(value);
}

/** A TIMESTAMP(3) literal in UTC, the way Prisma stores DateTime in "timestamp without time zone". */
export function sqlTimestamp(value: Date): string {
  const ms = value.getTime();
  if (Number.isNaN(ms)) throw new Error('Seed value is an invalid Date');
  return `'${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
}

function sqlNullableString(value: string | null): string {
  return value === null ? 'NULL' : sqlString(value);
}

// ---- tables -----------------------------------------------------------------------------------

interface TableWriter {
  label: string;
  table: string;
  columns: string[];
  count: number;
  literals(start: number, end: number): string[];
}

function writer<Row>(label: string, table: string, columns: string[], rows: readonly Row[], literal: (row: Row) => string): TableWriter {
  return { label, table, columns, count: rows.length, literals: (start, end) => rows.slice(start, end).map(literal) };
}

/** Tables in foreign-key order. */
function tables(data: SeedData): TableWriter[] {
  return [
    writer(
      'users',
      '"users"."User"',
      ['id', 'name', 'email', 'segment', 'createdAt'],
      data.users,
      (u) => `(${sqlString(u.id)},${sqlString(u.name)},${sqlString(u.email)},${sqlString(u.segment)},${sqlTimestamp(u.createdAt)})`,
    ),
    writer(
      'products',
      '"products"."Product"',
      ['id', 'sku', 'name', 'description', 'category', 'priceAmount', 'currency', 'stock', 'createdAt', 'updatedAt'],
      data.products,
      (p) =>
        `(${sqlString(p.id)},${sqlString(p.sku)},${sqlString(p.name)},${sqlString(p.description)},${sqlString(p.category)},` +
        `${sqlInt(p.priceAmount)},${sqlString(p.currency)},${sqlInt(p.stock)},${sqlTimestamp(p.createdAt)},${sqlTimestamp(p.updatedAt)})`,
    ),
    writer(
      'orders',
      '"orders"."Order"',
      ['id', 'userId', 'status', 'totalAmount', 'currency', 'idempotencyKey', 'createdAt'],
      data.orders,
      (o) =>
        `(${sqlString(o.id)},${sqlString(o.userId)},${sqlString(o.status)},${sqlInt(o.totalAmount)},${sqlString(o.currency)},` +
        `${sqlString(o.idempotencyKey)},${sqlTimestamp(o.createdAt)})`,
    ),
    writer(
      'order items',
      '"orders"."OrderItem"',
      ['id', 'orderId', 'productId', 'quantity', 'unitPriceAmount', 'currency'],
      data.orderItems,
      (i) =>
        `(${sqlString(i.id)},${sqlString(i.orderId)},${sqlString(i.productId)},${sqlInt(i.quantity)},${sqlInt(i.unitPriceAmount)},${sqlString(i.currency)})`,
    ),
    writer(
      'payments',
      '"payments"."Payment"',
      ['id', 'orderId', 'userId', 'amount', 'currency', 'status', 'method', 'failureReason', 'idempotencyKey', 'createdAt', 'updatedAt'],
      data.payments,
      (p) =>
        `(${sqlString(p.id)},${sqlString(p.orderId)},${sqlString(p.userId)},${sqlInt(p.amount)},${sqlString(p.currency)},` +
        `${sqlString(p.status)},${sqlString(p.method)},${sqlNullableString(p.failureReason)},${sqlString(p.idempotencyKey)},` +
        `${sqlTimestamp(p.createdAt)},${sqlTimestamp(p.updatedAt)})`,
    ),
    writer(
      'purchases',
      '"recommendations"."Purchase"',
      ['orderId', 'productId', 'userId', 'quantity', 'purchasedAt'],
      data.purchases,
      (p) =>
        `(${sqlString(p.orderId)},${sqlString(p.productId)},${sqlString(p.userId)},${sqlInt(p.quantity)},${sqlTimestamp(p.purchasedAt)})`,
    ),
  ];
}

/** The multi-row INSERT statements for the data, in foreign-key order (exposed for tests and dumps). */
export function* seedStatements(data: SeedData, rowsPerStatement = 2000): Generator<{ label: string; sql: string; rows: number }> {
  if (!Number.isInteger(rowsPerStatement) || rowsPerStatement < 1) throw new Error('rowsPerStatement must be a positive integer');
  for (const t of tables(data)) {
    const head = `INSERT INTO ${t.table} (${t.columns.map((c) => `"${c}"`).join(',')}) VALUES\n`;
    for (let start = 0; start < t.count; start += rowsPerStatement) {
      const literals = t.literals(start, start + rowsPerStatement);
      yield { label: t.label, sql: head + literals.join(',\n'), rows: literals.length };
    }
  }
}

export function seedCounts(data: SeedData): SeedCounts {
  return {
    users: data.users.length,
    products: data.products.length,
    orders: data.orders.length,
    orderItems: data.orderItems.length,
    payments: data.payments.length,
    purchases: data.purchases.length,
  };
}

function totalRows(counts: SeedCounts): number {
  return counts.users + counts.products + counts.orders + counts.orderItems + counts.payments + counts.purchases;
}

// ---- progress ---------------------------------------------------------------------------------

const PROGRESS_DELAY_MS = 1000;

/** A cli-progress bar that appears only once the work has taken longer than a second. */
class DelayedProgressBar {
  private bar: SingleBar | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly enabled: boolean,
    private readonly total: number,
  ) {}

  update(value: number, table: string): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (Date.now() - this.startedAt < PROGRESS_DELAY_MS) return;
      this.bar = new SingleBar(
        {
          stream: process.stderr,
          format: 'Seeding database [{bar}] {percentage}% | {value}/{total} rows | {table}',
          hideCursor: true,
          fps: 10,
        },
        Presets.shades_classic,
      );
      this.bar.start(this.total, value, { table });
      return;
    }
    this.bar.update(value, { table });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

// ---- writing ----------------------------------------------------------------------------------

/** Writes the data in one transaction on one connection; returns the rows written per table. */
export async function writeSeed(db: Database, data: SeedData, options: WriteSeedOptions = {}): Promise<SeedCounts> {
  return db.session((sql) => writeSeedInSession(sql, data, options));
}

/**
 * The same on an executor already bound to one connection (a `db.session`), for callers that hold
 * a lock on it. Opens and commits its own transaction; rolls back on any error.
 */
export async function writeSeedInSession(sql: SqlExecutor, data: SeedData, options: WriteSeedOptions = {}): Promise<SeedCounts> {
  const counts = seedCounts(data);
  const total = totalRows(counts);
  const progress = new DelayedProgressBar(Boolean(options.progress) && Boolean(process.stderr.isTTY), total);
  let written = 0;
  await sql.exec('BEGIN');
  try {
    for (const statement of seedStatements(data, options.rowsPerStatement)) {
      await sql.exec(statement.sql);
      written += statement.rows;
      progress.update(written, statement.label);
      options.onProgress?.(written, total);
    }
    await sql.exec('COMMIT');
  } catch (error) {
    await sql.exec('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    progress.stop();
  }
  return counts;
}
