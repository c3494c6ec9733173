import { CATEGORIES, generateSeed, SEED_CURRENCY, SEED_PAYMENT_METHOD, type SeedData } from './generate';
import { Random, WeightedTable } from './random';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const SMALL = { seed: 7, users: 300, products: 480, orders: 3000, now: NOW };

let data: SeedData;
beforeAll(() => {
  data = generateSeed(SMALL);
});

function unique<T>(values: T[]): boolean {
  return new Set(values).size === values.length;
}

describe('Random', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Random(1);
    const b = new Random(1);
    const c = new Random(2);
    const xs = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('draws within bounds with sensible moments', () => {
    const r = new Random(3);
    let sum = 0;
    let gammaSum = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const x = r.int(1, 6);
      seen.add(x);
      sum += x;
      gammaSum += r.gamma(0.7, 2);
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sum / 20000).toBeCloseTo(3.5, 1);
    expect(gammaSum / 20000).toBeCloseTo(1.4, 0);
    const d = r.dirichlet([1, 2, 3]);
    expect(d.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 10);
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('samples a weighted table in proportion to the weights, never a zero weight', () => {
    const r = new Random(4);
    const table = new WeightedTable(['a', 'b', 'c'], [1, 0, 3]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20000; i++) counts[table.draw(r)]++;
    expect(counts.b).toBe(0);
    expect(counts.c / counts.a).toBeGreaterThan(2.6);
    expect(counts.c / counts.a).toBeLessThan(3.4);
  });
});

describe('generateSeed', () => {
  it('is deterministic: the same options give identical data, another seed different data', () => {
    const again = generateSeed(SMALL);
    expect(JSON.stringify(again)).toBe(JSON.stringify(data));
    const other = generateSeed({ ...SMALL, seed: 8 });
    expect(other.users.map((u) => u.email)).not.toEqual(data.users.map((u) => u.email));
    expect(other.orderItems.map((i) => i.productId)).not.toEqual(data.orderItems.map((i) => i.productId));
  });

  it('produces the requested sizes and id formats', () => {
    expect(data.users).toHaveLength(300);
    expect(data.products).toHaveLength(480);
    expect(data.orders).toHaveLength(3000);
    expect(data.users[0].id).toBe('user-0001');
    expect(data.products[0].id).toBe('product-00001');
    expect(data.orders[0].id).toBe('order-000001');
    expect(data.payments[0].id).toBe('payment-000001');
    expect(data.products.filter((p) => !/^SKU-[A-Z]{3}-\d{6}$/.test(p.sku))).toEqual([]);
    expect(new Set(data.products.map((p) => p.category)).size).toBe(CATEGORIES.length);
    const big = generateSeed({ seed: 1, users: 12000, products: 12, orders: 0, now: NOW });
    expect(big.users[11999].id).toBe('user-12000');
  });

  it('is referentially sound', () => {
    expect(unique(data.users.map((u) => u.id))).toBe(true);
    expect(unique(data.users.map((u) => u.email.toLowerCase()))).toBe(true);
    expect(unique(data.products.map((p) => p.id))).toBe(true);
    expect(unique(data.products.map((p) => p.sku))).toBe(true);
    expect(unique(data.products.map((p) => p.name))).toBe(true);
    expect(unique(data.orders.map((o) => o.id))).toBe(true);
    expect(unique(data.orderItems.map((i) => i.id))).toBe(true);
    expect(unique(data.payments.map((p) => p.id))).toBe(true);
    expect(unique(data.purchases.map((p) => `${p.orderId}|${p.productId}`))).toBe(true);
    expect(unique(data.orders.map((o) => `${o.userId}|${o.idempotencyKey}`))).toBe(true);

    const users = new Map(data.users.map((u) => [u.id, u]));
    const products = new Map(data.products.map((p) => [p.id, p]));
    const orders = new Map(data.orders.map((o) => [o.id, o]));
    const totals = new Map<string, number>();
    const itemsPerOrder = new Map<string, number>();
    const badItems = data.orderItems.filter((item) => {
      const product = products.get(item.productId);
      totals.set(item.orderId, (totals.get(item.orderId) ?? 0) + item.quantity * item.unitPriceAmount);
      itemsPerOrder.set(item.orderId, (itemsPerOrder.get(item.orderId) ?? 0) + 1);
      return (
        !product ||
        !orders.has(item.orderId) ||
        item.unitPriceAmount !== product.priceAmount ||
        !(Number.isInteger(item.quantity) && item.quantity >= 1) ||
        item.currency !== SEED_CURRENCY
      );
    });
    expect(badItems).toEqual([]);
    const badOrders = data.orders.filter((order) => {
      const user = users.get(order.userId);
      const items = itemsPerOrder.get(order.id) ?? 0;
      const at = order.createdAt.getTime();
      return (
        !user ||
        order.totalAmount !== totals.get(order.id) ||
        items < 1 ||
        items > 4 ||
        order.idempotencyKey !== `seed-${order.id}` ||
        at <= user.createdAt.getTime() ||
        at >= NOW.getTime() ||
        at < NOW.getTime() - 365 * DAY
      );
    });
    expect(badOrders).toEqual([]);
    // No product twice in one order (the read model's key is (orderId, productId)).
    expect(unique(data.orderItems.map((i) => `${i.orderId}|${i.productId}`))).toBe(true);
    // Orders are numbered chronologically.
    expect(data.orders.filter((o, i) => i > 0 && o.createdAt < data.orders[i - 1].createdAt)).toEqual([]);
  });

  it('pays PAID orders, refunds REFUNDED ones and leaves PENDING_PAYMENT unpaid', () => {
    const byOrder = new Map(data.payments.map((p) => [p.orderId, p]));
    expect(byOrder.size).toBe(data.payments.length);
    const status: Record<string, number> = {};
    const bad = data.orders.filter((order) => {
      status[order.status] = (status[order.status] ?? 0) + 1;
      const payment = byOrder.get(order.id);
      if (order.status === 'PENDING_PAYMENT') return payment !== undefined;
      return (
        !payment ||
        payment.status !== (order.status === 'PAID' ? 'CAPTURED' : 'REFUNDED') ||
        payment.amount !== order.totalAmount ||
        payment.userId !== order.userId ||
        payment.method !== SEED_PAYMENT_METHOD ||
        payment.idempotencyKey !== `seed-${order.id}` ||
        payment.failureReason !== null ||
        payment.updatedAt < payment.createdAt ||
        payment.createdAt < order.createdAt ||
        payment.updatedAt >= NOW
      );
    });
    expect(bad).toEqual([]);
    expect(status.PAID / data.orders.length).toBeGreaterThan(0.8);
    expect(status.PENDING_PAYMENT).toBeGreaterThan(0);
    expect(status.REFUNDED).toBeGreaterThan(0);
    expect(status.REFUNDED).toBeLessThan(status.PENDING_PAYMENT * 2);
  });

  it('records one purchase per item of each PAID order, and nothing else', () => {
    const orders = new Map(data.orders.map((o) => [o.id, o]));
    const expected = data.orderItems
      .filter((i) => orders.get(i.orderId)!.status === 'PAID')
      .map(
        (i) =>
          `${i.orderId}|${i.productId}|${orders.get(i.orderId)!.userId}|${i.quantity}|${orders.get(i.orderId)!.createdAt.toISOString()}`,
      )
      .sort();
    const actual = data.purchases.map((p) => `${p.orderId}|${p.productId}|${p.userId}|${p.quantity}|${p.purchasedAt.toISOString()}`).sort();
    expect(actual).toEqual(expected);
  });

  it('builds a believable catalogue', () => {
    const zero = data.products.filter((p) => p.stock === 0).length / data.products.length;
    expect(zero).toBeGreaterThan(0.005);
    expect(zero).toBeLessThan(0.07);
    const stocked = data.products.filter((p) => p.stock >= 20 && p.stock <= 500).length / data.products.length;
    expect(stocked).toBeGreaterThan(0.85);
    const bad = data.products.filter(
      (p) =>
        !Number.isInteger(p.priceAmount) ||
        p.priceAmount <= 0 ||
        p.currency !== 'EUR' ||
        p.description.length < 20 ||
        p.updatedAt < p.createdAt ||
        p.updatedAt >= NOW,
    );
    expect(bad).toEqual([]);
    const median = (category: string) => {
      const prices = data.products
        .filter((p) => p.category === category)
        .map((p) => p.priceAmount)
        .sort((a, b) => a - b);
      return prices[prices.length >> 1];
    };
    expect(median('Electronics')).toBeGreaterThan(median('Grocery') * 5);
  });

  it('derives segments from order counts', () => {
    const counts = new Map<string, number>();
    for (const o of data.orders) counts.set(o.userId, (counts.get(o.userId) ?? 0) + 1);
    const mean = data.orders.length / data.users.length;
    for (const u of data.users) {
      const n = counts.get(u.id) ?? 0;
      if (u.segment === 'NEW') expect(n).toBeLessThanOrEqual(1);
      if (u.segment === 'VIP') expect(n).toBeGreaterThanOrEqual(2.5 * mean);
      if (u.segment === 'REGULAR') expect(n).toBeGreaterThan(1);
    }
    expect(new Set(data.users.map((u) => u.segment))).toEqual(new Set(['NEW', 'REGULAR', 'VIP']));
  });

  it('skews order counts: the busiest tenth of users places far more than a tenth of the orders', () => {
    const counts = new Map<string, number>();
    for (const o of data.orders) counts.set(o.userId, (counts.get(o.userId) ?? 0) + 1);
    const sorted = data.users.map((u) => counts.get(u.id) ?? 0).sort((a, b) => b - a);
    const top = sorted.slice(0, Math.ceil(sorted.length / 10)).reduce((s, n) => s + n, 0);
    expect(top / data.orders.length).toBeGreaterThan(0.25);
  });

  it("concentrates each user's purchases in the user's preferred categories", () => {
    const category = new Map(data.products.map((p) => [p.id, p.category]));
    const preferred = new Map(data.truth.tastes.map((t) => [t.userId, new Set(t.preferred)]));
    let inPreferred = 0;
    let uniformExpectation = 0;
    for (const p of data.purchases) {
      const prefs = preferred.get(p.userId)!;
      if (prefs.has(category.get(p.productId)!)) inPreferred++;
      uniformExpectation += prefs.size / CATEGORIES.length;
    }
    const share = inPreferred / data.purchases.length;
    const uniform = uniformExpectation / data.purchases.length;
    expect(share).toBeGreaterThan(0.75);
    expect(share / uniform).toBeGreaterThan(3.5);

    // Seen without the hidden truth: a user's top three categories hold most of the purchases,
    // far above what the same number of purchases spread uniformly would give.
    const perUser = new Map<string, Map<string, number>>();
    for (const p of data.purchases) {
      const m = perUser.get(p.userId) ?? new Map<string, number>();
      m.set(category.get(p.productId)!, (m.get(category.get(p.productId)!) ?? 0) + 1);
      perUser.set(p.userId, m);
    }
    let topShare = 0;
    let users = 0;
    for (const m of perUser.values()) {
      const total = [...m.values()].reduce((s, n) => s + n, 0);
      if (total < 10) continue;
      const top3 = [...m.values()]
        .sort((a, b) => b - a)
        .slice(0, 3)
        .reduce((s, n) => s + n, 0);
      topShare += top3 / total;
      users++;
    }
    expect(users).toBeGreaterThan(50);
    expect(topShare / users).toBeGreaterThan(0.8);
  });

  it('buys items of one collection together far more often than chance', () => {
    const collectionOf = new Map<string, string>();
    for (const c of data.truth.collections) {
      expect(c.productIds.length).toBeGreaterThanOrEqual(5);
      expect(c.productIds.length).toBeLessThanOrEqual(10);
      for (const id of c.productIds) collectionOf.set(id, c.id);
    }
    expect(collectionOf.size).toBe(data.products.length);
    const byOrder = new Map<string, string[]>();
    for (const i of data.orderItems) byOrder.set(i.orderId, [...(byOrder.get(i.orderId) ?? []), i.productId]);
    let pairs = 0;
    let samePairs = 0;
    for (const items of byOrder.values()) {
      for (let a = 0; a < items.length; a++) {
        for (let b = a + 1; b < items.length; b++) {
          pairs++;
          if (collectionOf.get(items[a]) === collectionOf.get(items[b])) samePairs++;
        }
      }
    }
    const chance = 1 / data.truth.collections.length;
    expect(pairs).toBeGreaterThan(500);
    expect(samePairs / pairs).toBeGreaterThan(0.3);
    expect(samePairs / pairs / chance).toBeGreaterThan(10);
  });

  it('handles edge sizes and rejects invalid ones', () => {
    const empty = generateSeed({ seed: 1, users: 0, products: 0, orders: 0 });
    expect(empty.users).toEqual([]);
    expect(empty.orders).toEqual([]);
    const tiny = generateSeed({ seed: 1, users: 3, products: 5, orders: 20, now: NOW });
    expect(tiny.orders).toHaveLength(20);
    expect(new Set(tiny.orderItems.map((i) => i.productId)).size).toBeLessThanOrEqual(5);
    expect(() => generateSeed({ seed: 1, users: -1, products: 1, orders: 0 })).toThrow(/users/);
    expect(() => generateSeed({ seed: 1, users: 0, products: 10, orders: 5 })).toThrow(/orders need/);
    expect(() => generateSeed({ seed: 1, users: 1.5, products: 10, orders: 0 })).toThrow(/users/);
  });
});
