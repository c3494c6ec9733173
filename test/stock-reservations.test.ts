/**
 * Stock held by unpaid orders, on the real platform (PGlite in `npm test`, PostgreSQL and Redis in
 * CI's second pass): a reservation lasts ORDERS_RESERVATION_TTL_SECONDS (4 s here), then the order
 * is EXPIRED — announced like every status change — and its stock is back; one buyer's unpaid
 * orders hold at most ORDERS_MAX_UNPAID_UNITS units; a refund restocks once; a partner completes
 * its order by confirming it on account; sweepers of many replicas expire each order once.
 */
import { gql } from 'graphql-request';
import { rootLogger } from '../platform/logger';
import { openDatabase } from '../prisma/database';
import { newEvent, type DomainEvent } from '../subgraphs/kit/events';
import { reservationIdOf } from '../subgraphs/orders/reservations';
import { startExpirySweeper, type ExpirySweeper } from '../subgraphs/orders/sweeper';
import { eventually } from './support/eventually';
import { createPartnerKey } from './support/partners';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

const TTL_SECONDS = 4;
const MAX_UNPAID_UNITS = 10;
/** Generous: the machine may be very busy; nothing here asserts a duration. */
const SETTLE_MS = 30_000;
const CARD = '4242424242424242';

const PLACE = gql`
  mutation ($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      status
      reservedUntil
    }
  }
`;
const ORDER = gql`
  query ($id: ID!) {
    order(id: $id) {
      id
      status
      reservedUntil
    }
  }
`;
const SET_STOCK = gql`
  mutation ($id: ID!, $stock: Int!) {
    setProductStock(productId: $id, stock: $stock) {
      stock
    }
  }
`;
const PAY = gql`
  mutation ($input: PayOrderInput!) {
    payOrder(input: $input) {
      id
      status
    }
  }
`;
const REFUND = gql`
  mutation ($id: ID!) {
    refundPayment(paymentId: $id) {
      status
    }
  }
`;
const CONFIRM = `mutation ($id: ID!) { confirmOrder(id: $id) { id status reservedUntil } }`;

interface PlacedOrder {
  id: string;
  status: string;
  reservedUntil: string | null;
}

describe('stock held by unpaid orders', () => {
  let t: TestPlatform;
  let productIds: string[];
  let admin: string;
  /** order.status_changed events as the bus delivers them (what partners' webhooks are made from). */
  const statusChanges: DomainEvent<'order.status_changed'>[] = [];
  let stopListening: () => void;

  beforeAll(async () => {
    t = await startTestPlatform(
      { seed: 31, users: 20, products: 40, orders: 20 },
      { config: { orders: { reservationTtlSeconds: TTL_SECONDS, maxUnpaidUnits: MAX_UNPAID_UNITS, sweepIntervalMs: 200, sweepBatch: 3 } } },
    );
    admin = await t.token('stock-admin', ['admin']);
    const { products } = await t
      .client()
      .request<{ products: { edges: { node: { id: string } }[] } }>('query { products(first: 40) { edges { node { id } } } }');
    productIds = products.edges.map((edge) => edge.node.id);
    stopListening = t.platform.bus.subscribe('order.status_changed', 'stock-reservations-test', async (event) => {
      statusChanges.push(event);
    });
  });

  afterAll(async () => {
    stopListening?.();
    await t?.close();
  });

  /** A product of its own for each test, with exactly `stock` units. */
  let nextProduct = 0;
  async function productWithStock(stock: number): Promise<string> {
    const id = productIds[nextProduct++];
    await t.client(admin).request(SET_STOCK, { id, stock });
    return id;
  }

  /** Units in stock as the products service's table holds them (not through the gateway's entity cache). */
  const stockOf = async (id: string) =>
    (await t.platform.db.sql.query<{ stock: number }>('SELECT "stock" FROM "products"."Product" WHERE "id" = $1', [id]))[0].stock;

  async function place(userId: string, key: string, items: { productId: string; quantity: number }[]): Promise<PlacedOrder> {
    const client = t.client(await t.token(userId));
    return (await client.request<{ placeOrder: PlacedOrder }>(PLACE, { input: { idempotencyKey: key, items } })).placeOrder;
  }

  async function orderOf(userId: string, id: string): Promise<PlacedOrder> {
    return (await t.client(await t.token(userId)).request<{ order: PlacedOrder }>(ORDER, { id })).order;
  }

  /** Rows of the orders outbox of one type about one order. */
  async function outboxEvents(type: string, orderId: string): Promise<DomainEvent[]> {
    const rows = await t.platform.db.sql.query<{ event: DomainEvent | string }>(
      `SELECT "event" FROM "orders"."OutboxEvent" WHERE "type" = $1`,
      [type],
    );
    return rows
      .map((row) => (typeof row.event === 'string' ? (JSON.parse(row.event) as DomainEvent) : row.event))
      .filter((event) => (event.payload as { orderId: string | null }).orderId === orderId);
  }

  it('lets a hoarder hold every unit only until the reservation expires; then the order is EXPIRED, announced, and another buyer gets the stock', async () => {
    const productId = await productWithStock(5);
    const hoard = await place('user-0001', 'hoard-1', [{ productId, quantity: 5 }]);
    expect(hoard.status).toBe('PENDING_PAYMENT');
    // Set by the database clock: about TTL_SECONDS from now.
    expect(Math.abs(Date.parse(hoard.reservedUntil!) - (Date.now() + TTL_SECONDS * 1000))).toBeLessThan(60_000);
    expect(await stockOf(productId)).toBe(0);

    const refused = await graphqlErrors(place('user-0002', 'wants-1', [{ productId, quantity: 1 }]));
    expect(refused[0].extensions?.code).toBe('INSUFFICIENT_STOCK');

    // After the deadline the stock comes back (the sweeper expired the order and products applied the release).
    expect(
      await eventually(
        () => stockOf(productId),
        (stock) => stock === 5,
        SETTLE_MS,
      ),
    ).toBe(5);
    const expired = await orderOf('user-0001', hoard.id);
    expect(expired).toEqual({ id: hoard.id, status: 'EXPIRED', reservedUntil: null });
    const bought = await place('user-0002', 'wants-2', [{ productId, quantity: 1 }]);
    expect(bought.status).toBe('PENDING_PAYMENT');
    expect(await stockOf(productId)).toBe(4);

    // Announced like every status change: on the bus, once.
    const heard = await eventually(
      async () => statusChanges.filter((event) => event.payload.orderId === hoard.id),
      (events) => events.length > 0,
      SETTLE_MS,
    );
    expect(heard.map((event) => [event.payload.from, event.payload.to, event.payload.userId])).toEqual([
      ['PENDING_PAYMENT', 'EXPIRED', 'user-0001'],
    ]);

    // Paying it now is refused with a code that says why.
    const payment = await graphqlErrors(
      t.client(await t.token('user-0001')).request(PAY, { input: { orderId: hoard.id, idempotencyKey: 'pay-hoard', cardNumber: CARD } }),
    );
    expect(payment[0].extensions?.code).toBe('ORDER_EXPIRED');
    // A retry of the expired placement returns the expired order; it takes nothing again.
    expect((await place('user-0001', 'hoard-1', [{ productId, quantity: 5 }])).status).toBe('EXPIRED');
    expect(await stockOf(productId)).toBe(4);
  });

  it('caps the units one buyer holds in unpaid orders with LIMIT_EXCEEDED, also against concurrent calls', async () => {
    const productId = await productWithStock(100);
    // Five calls at once of 3 units each against a cap of 10: exactly three fit.
    const attempts = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => place('user-0003', `cap-${n}`, [{ productId, quantity: 3 }])));
    const placed = attempts.filter((attempt) => attempt.status === 'fulfilled');
    const refusals = await Promise.all(
      attempts.filter((attempt) => attempt.status === 'rejected').map((attempt) => graphqlErrors(Promise.reject(attempt.reason))),
    );
    expect(placed).toHaveLength(3);
    expect(refusals.map((errors) => errors[0].extensions)).toEqual([
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', limit: MAX_UNPAID_UNITS, requested: 3 }),
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', limit: MAX_UNPAID_UNITS, requested: 3 }),
    ]);
    // A refused call took no stock; another buyer is not limited by this one.
    expect(await stockOf(productId)).toBe(100 - 9);
    expect((await place('user-0004', 'cap-other', [{ productId, quantity: 10 }])).status).toBe('PENDING_PAYMENT');
    // One more than the cap in a single order is refused outright.
    const tooMany = await graphqlErrors(place('user-0005', 'cap-single', [{ productId, quantity: MAX_UNPAID_UNITS + 1 }]));
    expect(tooMany[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', held: 0 });
  });

  it('gives back stock reserved for a placement refused after its reservation (mixed currencies), and never reuses that reservation', async () => {
    const euros = await productWithStock(7);
    const dollars = await productWithStock(7);
    await t.platform.db.sql.query(`UPDATE "products"."Product" SET "currency" = 'USD' WHERE "id" = $1`, [dollars]);
    const items = [
      { productId: euros, quantity: 2 },
      { productId: dollars, quantity: 3 },
    ];
    const refused = await graphqlErrors(place('user-0009', 'mixed-1', items));
    expect(refused[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.items' });
    expect(
      await eventually(
        async () => [await stockOf(euros), await stockOf(dollars)],
        ([a, b]) => a === 7 && b === 7,
        SETTLE_MS,
      ),
    ).toEqual([7, 7]);
    // The same key again must not turn the released reservation into an order of goods nobody holds.
    const again = await graphqlErrors(place('user-0009', 'mixed-1', items));
    expect(again[0].extensions?.code).toBe('CONFLICT');
    expect([await stockOf(euros), await stockOf(dollars)]).toEqual([7, 7]);
  });

  it('puts refunded goods back on sale, once', async () => {
    const productId = await productWithStock(20);
    const token = await t.token('user-0006');
    const order = await place('user-0006', 'refund-1', [{ productId, quantity: 4 }]);
    const { payOrder } = await t.client(token).request<{ payOrder: { id: string; status: string } }>(PAY, {
      input: { orderId: order.id, idempotencyKey: 'pay-refund-1', cardNumber: CARD },
    });
    expect(payOrder.status).toBe('CAPTURED');
    expect(
      (
        await eventually(
          () => orderOf('user-0006', order.id),
          (o) => o.status === 'PAID',
          SETTLE_MS,
        )
      ).status,
    ).toBe('PAID');
    expect(await stockOf(productId)).toBe(16);

    await t.client(token).request(REFUND, { id: payOrder.id });
    expect(
      await eventually(
        () => stockOf(productId),
        (stock) => stock === 20,
        SETTLE_MS,
      ),
    ).toBe(20);
    expect((await orderOf('user-0006', order.id)).status).toBe('REFUNDED');

    // The bus delivers at least once: the same release again restocks nothing.
    const [release] = await outboxEvents('order.reservation_released', order.id);
    expect(release.payload).toMatchObject({ reason: 'REFUNDED' });
    await t.platform.bus.publish(release);
    await t.platform.bus.publish(release);
    // Something observable after the redeliveries, on the same stream: a release of another
    // reservation, published after them; once it is applied, so were they.
    const marker = await productWithStock(3);
    const other = await place('user-0007', 'refund-marker', [{ productId: marker, quantity: 3 }]);
    expect(await stockOf(marker)).toBe(0);
    await t.platform.bus.publish(
      newEvent('order.reservation_released', {
        orderId: other.id,
        reservationId: reservationIdOf('user-0007', 'refund-marker'),
        reason: 'EXPIRED',
      }),
    );
    expect(
      await eventually(
        () => stockOf(marker),
        (stock) => stock === 3,
        SETTLE_MS,
      ),
    ).toBe(3);
    expect(await stockOf(productId)).toBe(20);
    // A paid order never expired: its stock stayed sold until the refund.
    expect(await outboxEvents('order.status_changed', order.id)).toHaveLength(2);
  });

  it('lets a partner complete its order by confirming it on account; a customer cannot', async () => {
    const productId = await productWithStock(6);
    const base = t.url.replace(/\/graphql$/, '');
    const { key } = await createPartnerKey(t, 'stock-partner');
    const partner = async (query: string, variables: Record<string, unknown>) => {
      const response = await fetch(`${base}/partner/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as { data?: Record<string, PlacedOrder>; errors?: { extensions?: Record<string, unknown> }[] };
    };
    const placed = await partner('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }', {
      input: { idempotencyKey: 'partner-1', items: [{ productId, quantity: 2 }] },
    });
    const orderId = placed.data!.placeOrder.id;
    const confirmed = await partner(CONFIRM, { id: orderId });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmOrder).toEqual({ id: orderId, status: 'CONFIRMED', reservedUntil: null });
    // Confirming again is a retry, not an error.
    expect((await partner(CONFIRM, { id: orderId })).data!.confirmOrder.status).toBe('CONFIRMED');

    // A customer's order is paid, never confirmed on account (the main API has the mutation too).
    const own = await place('user-0008', 'not-a-partner', [{ productId, quantity: 1 }]);
    const refused = await graphqlErrors(t.client(await t.token('user-0008')).request(CONFIRM, { id: own.id }));
    expect(refused[0].extensions?.code).toBe('FORBIDDEN');

    // An order the partner let expire cannot be confirmed any more; the confirmed one kept its stock.
    const late = await partner('mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }', {
      input: { idempotencyKey: 'partner-2', items: [{ productId, quantity: 1 }] },
    });
    const lateId = late.data!.placeOrder.id;
    expect(
      await eventually(
        () => stockOf(productId),
        (stock) => stock === 4,
        SETTLE_MS,
      ),
    ).toBe(4);
    expect((await partner(CONFIRM, { id: lateId })).errors?.[0].extensions?.code).toBe('ORDER_EXPIRED');
    expect((await partner('query ($id: ID!) { order(id: $id) { id status reservedUntil } }', { id: orderId })).data!.order.status).toBe(
      'CONFIRMED',
    );
  });

  it('expires each order once and restocks once with many replicas sweeping the same database', async () => {
    const productId = await productWithStock(12);
    const orders = await Promise.all(
      Array.from({ length: 12 }, (_, n) => place(`user-${String(10 + n).padStart(4, '0')}`, `replicas-${n}`, [{ productId, quantity: 1 }])),
    );
    expect(await stockOf(productId)).toBe(0);
    // Four more replicas' sweepers racing the platform's own one: on PostgreSQL each with a
    // connection pool of its own, as separate processes have (PGlite is one in-process database).
    const { config } = t.platform;
    const databases = config.databaseUrl ? await Promise.all([1, 2, 3, 4].map(() => openDatabase({ url: config.databaseUrl }))) : [];
    const clients = databases.length > 0 ? databases.map((db) => db.createClient()) : [1, 2, 3, 4].map(() => t.platform.db.createClient());
    const sweepers: ExpirySweeper[] = clients.map((prisma) =>
      startExpirySweeper({ prisma, config: { ...config.orders, sweepIntervalMs: 20 }, log: rootLogger }),
    );
    try {
      expect(
        await eventually(
          () => stockOf(productId),
          (stock) => stock >= 12,
          SETTLE_MS,
        ),
      ).toBeGreaterThanOrEqual(12);
      // Every sweeper keeps going for a while: nothing more may move.
      await Promise.all(sweepers.map((sweeper) => sweeper.sweep()));
    } finally {
      await Promise.all(sweepers.map((sweeper) => sweeper.close()));
      await Promise.all(databases.map((db) => db.close()));
    }
    for (const order of orders) {
      const changes = await outboxEvents('order.status_changed', order.id);
      expect(changes.map((event) => (event.payload as { to: string }).to)).toEqual(['EXPIRED']);
      expect(await outboxEvents('order.reservation_released', order.id)).toHaveLength(1);
    }
    expect(await stockOf(productId)).toBe(12);
  });
});
