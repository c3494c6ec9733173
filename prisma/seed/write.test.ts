import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { openDatabase, type Database } from '../database';
import { migrate } from '../migrate';
import { generateSeed, type SeedData } from './generate';
import { clearSeedTables, seedIfEmpty } from './index';
import { seedStatements, sqlString, sqlTimestamp, writeSeed } from './write';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const SIZE = { seed: 11, users: 60, products: 150, orders: 500, now: NOW };

async function count(db: Database, table: string): Promise<number> {
  const rows = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

describe('SQL literals', () => {
  it('escapes quotes and formats timestamps as UTC', () => {
    expect(sqlString("O'Brien")).toBe("'O''Brien'");
    expect(sqlString('back\\slash')).toBe("'back\\slash'");
    expect(() => sqlString('nul\u0000')).toThrow(/NUL/);
    expect(sqlTimestamp(new Date('2026-01-02T03:04:05.678Z'))).toBe("'2026-01-02 03:04:05.678'");
  });

  it('chunks statements by rowsPerStatement', () => {
    const data = generateSeed({ seed: 1, users: 5, products: 12, orders: 0, now: NOW });
    const statements = [...seedStatements(data, 5)];
    expect(statements.map((s) => `${s.label}:${s.rows}`)).toEqual(['users:5', 'products:5', 'products:5', 'products:2']);
  });
});

// PGlite loads its WebAssembly through dynamic import(), which Jest's VM sandbox only allows with
// Node's --experimental-vm-modules flag; without it PGlite crashes the worker instead of rejecting.
const canOpenDatabase =
  Boolean(process.env.DATABASE_URL) ||
  [process.env.NODE_OPTIONS ?? '', ...process.execArgv].some((arg) => arg.includes('--experimental-vm-modules'));

if (!canOpenDatabase) {
  it('needs NODE_OPTIONS=--experimental-vm-modules (for PGlite under Jest) or DATABASE_URL', () => {
    throw new Error('Run with NODE_OPTIONS=--experimental-vm-modules, or set DATABASE_URL to a Postgres server');
  });
}

// In-memory PGlite, or a throwaway Postgres database when DATABASE_URL is set.
(canOpenDatabase ? describe : describe.skip)(`writeSeed on ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}`, () => {
  let testDb: TestDatabase;
  let db: Database;
  let data: SeedData;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db);
    data = generateSeed(SIZE);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('writes every row, and the rows add up', async () => {
    const progress: number[] = [];
    const counts = await writeSeed(db, data, { rowsPerStatement: 100, onProgress: (written) => progress.push(written) });
    expect(counts).toEqual({
      users: 60,
      products: 150,
      orders: 500,
      orderItems: data.orderItems.length,
      payments: data.payments.length,
      purchases: data.purchases.length,
    });
    expect(progress[progress.length - 1]).toBe(60 + 150 + 500 + data.orderItems.length + data.payments.length + data.purchases.length);

    expect(await count(db, '"users"."User"')).toBe(60);
    expect(await count(db, '"products"."Product"')).toBe(150);
    expect(await count(db, '"orders"."Order"')).toBe(500);
    expect(await count(db, '"orders"."OrderItem"')).toBe(data.orderItems.length);
    expect(await count(db, '"payments"."Payment"')).toBe(data.payments.length);
    expect(await count(db, '"recommendations"."Purchase"')).toBe(data.purchases.length);

    const mismatched = await db.sql.query(
      `SELECT o.id FROM "orders"."Order" o JOIN "orders"."OrderItem" i ON i."orderId" = o.id
       GROUP BY o.id, o."totalAmount" HAVING sum(i.quantity * i."unitPriceAmount") <> o."totalAmount"`,
    );
    expect(mismatched).toEqual([]);
    const orphans = await db.sql.query(
      `SELECT i.id FROM "orders"."OrderItem" i LEFT JOIN "products"."Product" p ON p.id = i."productId" WHERE p.id IS NULL`,
    );
    expect(orphans).toEqual([]);
    const unpaidPurchases = await db.sql.query(
      `SELECT r."orderId" FROM "recommendations"."Purchase" r JOIN "orders"."Order" o ON o.id = r."orderId" WHERE o.status <> 'PAID'`,
    );
    expect(unpaidPurchases).toEqual([]);
  });

  it('round-trips values exactly (quotes, non-ASCII text, timestamps)', async () => {
    const rows = await db.sql.query<{ id: string; name: string; email: string; segment: string; at: string }>(
      `SELECT id, name, email, segment::text AS segment, to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM "users"."User" ORDER BY id`,
    );
    expect(rows).toEqual(
      data.users.map((u) => ({ id: u.id, name: u.name, email: u.email, segment: u.segment, at: u.createdAt.toISOString() })),
    );
    const payment = data.payments[0];
    const [stored] = await db.sql.query<{ method: string; status: string; failureReason: string | null }>(
      `SELECT method, status::text AS status, "failureReason" FROM "payments"."Payment" WHERE id = $1`,
      [payment.id],
    );
    expect(stored).toEqual({ method: 'card •••• 4242', status: payment.status, failureReason: null });
  });

  it('rolls back completely when a statement fails', async () => {
    const before = await count(db, '"orders"."Order"');
    const clash = generateSeed({ ...SIZE, seed: 12 });
    // Users and products are new rows until the order ids collide with the ones already written.
    const renamed: SeedData = {
      ...clash,
      users: clash.users.map((u) => ({ ...u, id: `x-${u.id}`, email: `x-${u.email}` })),
      products: clash.products.map((p) => ({ ...p, id: `x-${p.id}`, sku: `X-${p.sku}` })),
    };
    await expect(writeSeed(db, renamed)).rejects.toThrow();
    expect(await count(db, '"users"."User"')).toBe(60);
    expect(await count(db, '"products"."Product"')).toBe(150);
    expect(await count(db, '"orders"."Order"')).toBe(before);
  });

  it('seedIfEmpty seeds only an empty database', async () => {
    expect(await seedIfEmpty(db, { users: 5, products: 20, orders: 10 })).toEqual({ seeded: false });
    await clearSeedTables(db);
    const result = await seedIfEmpty(db, { seed: 3, users: 5, products: 20, orders: 10, now: NOW });
    expect(result.seeded).toBe(true);
    expect(result.counts).toMatchObject({ users: 5, products: 20, orders: 10 });
    expect(await count(db, '"users"."User"')).toBe(5);
    expect(await count(db, '"orders"."Order"')).toBe(10);
  });
});
