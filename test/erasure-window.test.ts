/**
 * The window an erasure used to leave open (docs/privacy.md#erasure): a write that passed the
 * gateway before the erasure, or reached a subgraph directly, must never leave a row under the
 * erased id. Writes are sent straight to the subgraphs with validly signed claims for the erased
 * user (the gateway would refuse their token), as a request already past it would arrive. After a
 * subgraph did its part they are refused and write nothing; a late order event records nothing;
 * and a write holding the user's lock when the erasure arrives ends pseudonymised or deleted,
 * because the erasure waits for it (subgraphs/kit/erased-users.ts).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { gql } from 'graphql-request';
import { USER_ERASED } from '../subgraphs/kit/erased-users';
import { newEvent } from '../subgraphs/kit/events';
import { claimsHeaders } from '../platform/forwarded-claims';
import type { Viewer } from '../platform/viewer';
import type { SubgraphName } from '../platform/services';
import { eventually } from './support/eventually';
import { startTestPlatform, type TestPlatform } from './support/platform';

/** Generous: the machine may be very busy; nothing here asserts a duration. */
const SETTLE_MS = 60_000;

const REQUEST_ERASURE = gql`
  mutation ($userId: ID!) {
    requestErasure(userId: $userId) {
      id
    }
  }
`;
const ERASURE = gql`
  query ($id: ID!) {
    erasure(id: $id) {
      status
      parts {
        subgraph
        completedAt
      }
    }
  }
`;
const PLACE_ORDER = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;
const PAY_ORDER = `mutation ($input: PayOrderInput!) { payOrder(input: $input) { id status } }`;
const RECORD_INTERACTION = `mutation ($id: ID!) { recordInteraction(productId: $id, kind: VIEW) { id } }`;
const HIDE = `mutation ($id: ID!) { hideRecommendation(productId: $id) }`;

interface ErasureView {
  status: string;
  parts: { subgraph: string; completedAt: string | null }[];
}
interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
}

let t: TestPlatform;
let admin: string;
let productId: string;

beforeAll(async () => {
  t = await startTestPlatform({ seed: 26, users: 20, products: 80, orders: 40 });
  admin = await t.token('admin-erasure-window', ['admin']);
  [{ id: productId }] = await sql<{ id: string }>(`SELECT "id" FROM "products"."Product" WHERE "stock" > 10 ORDER BY "id" LIMIT 1`);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const sql = <Row>(text: string, params: unknown[] = []) => t.platform.db.sql.query<Row>(text, params);
const countOf = async (text: string, params: unknown[]) => Number((await sql<{ n: number }>(text, params))[0].n);

/** A request to the subgraph itself, signed as the gateway signs one for the user: as if it passed the gateway before the erasure. */
async function direct(subgraph: SubgraphName, userId: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  const body = JSON.stringify({ query, variables });
  const viewer: Viewer = { userId, roles: ['customer'] };
  const headers = await claimsHeaders(viewer, { secret: t.platform.config.internalSecret, issuer: 'gateway', audience: subgraph, body });
  const response = await fetch(t.platform.subgraphs[subgraph].url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return (await response.json()) as Answer;
}

async function erase(userId: string): Promise<string> {
  const { requestErasure } = await t.client(admin).request<{ requestErasure: { id: string } }>(REQUEST_ERASURE, { userId });
  return requestErasure.id;
}

async function erasureOf(id: string): Promise<ErasureView> {
  const { erasure } = await t.client(admin).request<{ erasure: ErasureView }>(ERASURE, { id });
  return erasure;
}

const completed = (id: string) =>
  eventually(
    () => erasureOf(id),
    (erasure) => erasure.status === 'COMPLETED',
    SETTLE_MS,
  );

function expectErasedRefusal(answer: Answer): void {
  expect(answer.errors?.[0]).toMatchObject({ message: USER_ERASED, extensions: { code: 'UNAUTHENTICATED', reason: 'SUBJECT_ERASED' } });
}

describe('the erasure window', () => {
  it('refuses writes sent straight to the subgraphs for an erased user, and writes nothing', async () => {
    const userId = 'user-0003';
    await completed(await erase(userId));

    expectErasedRefusal(
      await direct('orders', userId, PLACE_ORDER, { input: { idempotencyKey: 'after', items: [{ productId, quantity: 1 }] } }),
    );
    expectErasedRefusal(await direct('recommendations', userId, RECORD_INTERACTION, { id: productId }));
    expectErasedRefusal(await direct('recommendations', userId, HIDE, { id: productId }));
    // Refused before anything was claimed or reserved.
    expect(await countOf(`SELECT count(*)::int AS n FROM "products"."StockReservation" WHERE "id" LIKE $1`, [`%${userId}%`])).toBe(0);

    // A late order event (an order placed just before the erasure) adds nothing to the read model.
    const late = newEvent('order.placed', {
      orderId: crypto.randomUUID(),
      userId,
      items: [{ productId, quantity: 1, unitPriceAmount: 100 }],
      totalAmount: 100,
      currency: 'USD',
      placedAt: new Date().toISOString(),
    });
    await t.platform.bus.publish(late);
    await eventually(
      () => countOf(`SELECT count(*)::int AS n FROM "recommendations"."ProcessedEvent" WHERE "eventId" = $1`, [late.id]),
      (n) => n === 1,
      SETTLE_MS,
    );

    for (const table of [
      '"orders"."Order" WHERE "userId" = $1',
      '"orders"."PlacementClaim" WHERE "userId" = $1',
      '"recommendations"."Interaction" WHERE "userId" = $1',
      '"recommendations"."BlockedProduct" WHERE "userId" = $1',
      '"recommendations"."Purchase" WHERE "userId" = $1',
    ]) {
      expect({ table, rows: await countOf(`SELECT count(*)::int AS n FROM ${table}`, [userId]) }).toEqual({ table, rows: 0 });
    }
  }, 180_000);

  it("refuses a payment once payments did its part, though orders has not yet, and the orders subgraph's late part pseudonymises what it still had", async () => {
    const userId = 'user-0008';
    const token = await t.token(userId);
    const orderId = await t.placeOrder(token, 'window-unpaid');
    // Orders cannot do its part yet: its handler fails and the bus delivers the event again later.
    await sql(`ALTER TABLE "orders"."ProcessedEvent" RENAME TO "ProcessedEventAway"`);
    let restored = false;
    const restore = async () => {
      if (!restored) await sql(`ALTER TABLE "orders"."ProcessedEventAway" RENAME TO "ProcessedEvent"`);
      restored = true;
    };
    try {
      const id = await erase(userId);
      const partial = await eventually(
        () => erasureOf(id),
        (erasure) =>
          erasure.parts
            .filter((part) => part.completedAt !== null)
            .map((part) => part.subgraph)
            .includes('payments'),
        SETTLE_MS,
      );
      expect(partial.parts.find((part) => part.subgraph === 'orders')?.completedAt).toBeNull();

      // The order is still the user's in orders, so only payments' own record stops the payment.
      const paid = await direct('payments', userId, PAY_ORDER, {
        input: { orderId, idempotencyKey: 'window-pay', cardNumber: '4242424242424242' },
      });
      expectErasedRefusal(paid);
      expect(await countOf(`SELECT count(*)::int AS n FROM "payments"."Payment" WHERE "orderId" = $1`, [orderId])).toBe(0);

      await restore();
      await completed(id);
      const [order] = await sql<{ userId: string }>(`SELECT "userId" FROM "orders"."Order" WHERE "id" = $1`, [orderId]);
      expect(order.userId).toMatch(/^erased:/);
    } finally {
      await restore();
    }
  }, 180_000);

  it.each([
    {
      schema: 'orders',
      table: '"orders"."Order"',
      insert: `INSERT INTO "orders"."Order" ("id", "userId", "totalAmount", "currency", "idempotencyKey") VALUES ($1, $2, 100, 'USD', 'in-flight')`,
    },
    {
      schema: 'recommendations',
      table: '"recommendations"."Interaction"',
      insert: `INSERT INTO "recommendations"."Interaction" ("id", "userId", "productId", "kind") VALUES ($1, $2, $3, 'VIEW')`,
    },
  ])(
    'a write in $schema holding the user lock when the erasure arrives ends pseudonymised or deleted, never under the id',
    async ({ schema, table, insert }) => {
      const userId = schema === 'orders' ? 'user-0011' : 'user-0012';
      const rowId = crypto.randomUUID();
      const params = insert.includes('$3') ? [rowId, userId, productId] : [rowId, userId];
      const holder = await holdUserLock(schema, userId);
      let id: string;
      try {
        if (holder.sees) {
          // PostgreSQL: the erasure is requested while the write holds the lock, and its consumer in
          // this schema is seen waiting for it before the write even inserts its row.
          id = await erase(userId);
          await eventually(holder.waiters, (n) => n > 0, SETTLE_MS);
          await holder.query(insert, params);
          await holder.commit();
        } else {
          // PGlite is one session: the erasure's transactions queue behind the write's as a whole.
          await holder.query(insert, params);
          const requested = erase(userId);
          await holder.commit();
          id = await requested;
        }
      } finally {
        await holder.release();
      }
      await completed(id);
      expect(await countOf(`SELECT count(*)::int AS n FROM ${table} WHERE "userId" = $1`, [userId])).toBe(0);
      const rows = await sql<{ userId: string }>(`SELECT "userId" FROM ${table} WHERE "id" = $1`, [rowId]);
      if (schema === 'orders') expect(rows[0].userId).toMatch(/^erased:/);
      else expect(rows).toEqual([]);
    },
    180_000,
  );
});

interface LockHolder {
  /** Whether other sessions' waits can be seen (PostgreSQL), or the database is one session (PGlite). */
  sees: boolean;
  query(text: string, params: unknown[]): Promise<void>;
  /** How many sessions wait for an advisory lock in this database. */
  waiters(): Promise<number>;
  commit(): Promise<void>;
  release(): Promise<void>;
}

/** A transaction of a session of its own that holds the user's lock in `schema`, as a write does (subgraphs/kit/erased-users.ts). */
async function holdUserLock(schema: string, userId: string): Promise<LockHolder> {
  const lock = `SELECT 1 FROM pg_advisory_xact_lock(hashtext($1), hashtext($2))`;
  const url = t.platform.config.databaseUrl;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    await client.query(lock, [`${schema}.user`, userId]);
    return {
      sees: true,
      query: async (text, params) => void (await client.query(text, params)),
      waiters: async () =>
        Number(
          (
            await client.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"
                  AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())`,
            )
          ).rows[0].n,
        ),
      commit: async () => void (await client.query('COMMIT')),
      release: () => client.end(),
    };
  }
  // A Prisma transaction on PGlite holds the one session until it ends.
  const prisma = t.platform.db.createClient();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let ready!: (tx: { $executeRawUnsafe(text: string, ...params: unknown[]): Promise<number> }) => void;
  const opened = new Promise<Parameters<typeof ready>[0]>((resolve) => (ready = resolve));
  const transaction = prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(lock, `${schema}.user`, userId);
      ready(tx);
      await finished;
    },
    { timeout: SETTLE_MS },
  );
  const tx = await opened;
  return {
    sees: false,
    query: async (text, params) => void (await tx.$executeRawUnsafe(text, ...params)),
    waiters: async () => 0,
    commit: async () => {
      finish();
      await transaction;
    },
    release: async () => {
      finish();
      await transaction.catch(() => undefined);
      await prisma.$disconnect();
    },
  };
}
