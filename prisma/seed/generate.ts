/**
 * Deterministic seed data for the platform database: users, a product catalogue, orders with
 * items, payments and the recommendations read model. Pure: the same options give the same data,
 * byte for byte (no clock, no Math.random, no I/O).
 *
 * The data carries structure a recommender can learn, and `SeedData.truth` keeps the hidden
 * ground truth for evaluating one:
 * - every user has a taste: a preference distribution concentrated (85–95 %) on 1–3 categories;
 * - within a category, product popularity is Zipf-like;
 * - products come in small collections (5–10 related items sharing a line name) that are bought
 *   together: an order's extra items come from the first item's collection more often than not;
 * - order counts per user are heavily skewed (gamma activity, a few heavy buyers).
 */
import { Random, WeightedTable } from './random';
import vocabularyJson from './vocabulary.json';

export interface SeedOptions {
  seed: number;
  users: number;
  products: number;
  orders: number;
  /** The moment "now" for the data; every timestamp lies before it. Defaults to SEED_REFERENCE_NOW. */
  now?: Date;
}

export type UserSegment = 'NEW' | 'REGULAR' | 'VIP';
export type OrderStatus = 'PENDING_PAYMENT' | 'PAID' | 'REFUNDED';
export type PaymentStatus = 'PENDING' | 'AUTHORIZED' | 'CAPTURED' | 'FAILED' | 'REFUNDED';

export interface SeedUser {
  id: string;
  name: string;
  email: string;
  segment: UserSegment;
  createdAt: Date;
}

export interface SeedProduct {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  /** Minor units (cents). */
  priceAmount: number;
  currency: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeedOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  totalAmount: number;
  currency: string;
  idempotencyKey: string;
  createdAt: Date;
}

export interface SeedOrderItem {
  id: string;
  orderId: string;
  productId: string;
  quantity: number;
  unitPriceAmount: number;
  currency: string;
}

export interface SeedPayment {
  id: string;
  orderId: string;
  userId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  method: string;
  failureReason: string | null;
  idempotencyKey: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeedPurchase {
  orderId: string;
  productId: string;
  userId: string;
  quantity: number;
  purchasedAt: Date;
}

/** Hidden ground truth behind the data (not written to the database). */
export interface SeedTruth {
  /** Per user: the preferred categories (strongest first) and the full preference distribution. */
  tastes: Array<{ userId: string; preferred: string[]; weights: Record<string, number>; favoriteCollections: string[] }>;
  /** Co-purchase clusters. */
  collections: Array<{ id: string; name: string; category: string; productIds: string[] }>;
  /** Popularity weight of each product within its category (Zipf). */
  popularity: Record<string, number>;
}

export interface SeedData {
  options: Required<SeedOptions>;
  users: SeedUser[];
  products: SeedProduct[];
  orders: SeedOrder[];
  orderItems: SeedOrderItem[];
  payments: SeedPayment[];
  purchases: SeedPurchase[];
  truth: SeedTruth;
}

/** The fixed "now" used when none is given, so that generateSeed stays a pure function. */
export const SEED_REFERENCE_NOW = new Date('2026-11-21T00:00:00.000Z');
export const SEED_CURRENCY = 'EUR';
export const SEED_PAYMENT_METHOD = 'card •••• 4242';

const DAY = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Catalogue vocabulary (vocabulary.json)
// ---------------------------------------------------------------------------------------------

interface CategorySpec {
  name: string;
  /** Three letters in the SKU and the collection ids. */
  code: string;
  /** Share of the catalogue. */
  share: number;
  /** How likely users are to count it among their favourites. */
  appeal: number;
  /** Price: median and log-space spread in euros, clamped to [min, max]. */
  price: { median: number; sigma: number; min: number; max: number };
  /** Buys several of a kind (groceries, pet food, office supplies). */
  bulk: boolean;
  /** A collection's shared look or material. */
  adjectives: readonly string[];
  nouns: readonly string[];
  /** Size, colour or edition after the dash in a product name. */
  variants: readonly string[];
  /** Closing sentences of product descriptions. */
  blurbs: readonly string[];
}

/**
 * The shape of vocabulary.json. The generator draws from these lists by index, so reordering,
 * adding or removing an entry changes the data of every seed (and what models trained on it saw).
 */
interface Vocabulary {
  categories: readonly CategorySpec[];
  /** Collection (co-purchase cluster) line names; shared by the related items of one collection. */
  lineNames: readonly string[];
  firstNames: readonly string[];
  lastNames: readonly string[];
  /** How often users sign up with each e-mail domain, relative to the others. */
  emailDomains: ReadonlyArray<{ domain: string; weight: number }>;
}

// Typed here rather than at each use, so that tsc checks the JSON against the interface.
const VOCABULARY: Vocabulary = vocabularyJson;

export const CATEGORIES: readonly CategorySpec[] = VOCABULARY.categories;
const EMAIL_DOMAINS = VOCABULARY.emailDomains.map((d) => d.domain);
const EMAIL_DOMAIN_WEIGHTS = VOCABULARY.emailDomains.map((d) => d.weight);

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Width of zero-padded ids: at least `min` digits, more when the count needs them. */
function idWidth(count: number, min: number): number {
  return Math.max(min, String(Math.max(count, 1)).length);
}

/** Lower-case ASCII for e-mail local parts ("Zoë O'Brien" → "zoe", "obrien"). */
function emailPart(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** Splits `total` over weights by largest remainder, giving every bucket at least `floor` when possible. */
function apportion(total: number, weights: readonly number[], floor: number): number[] {
  const n = weights.length;
  const base = total >= floor * n ? floor : 0;
  const rest = total - base * n;
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (rest * w) / sum);
  const counts = exact.map((x) => base + Math.floor(x));
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) counts[order[k].i]++;
  return counts;
}

/** A price in cents ending in .99, .49 or .95 like a shop would set it. */
function shopPrice(random: Random, spec: CategorySpec['price']): number {
  const euros = Math.min(spec.max, Math.max(spec.min, random.logNormal(spec.median, spec.sigma)));
  const whole = Math.max(0, Math.floor(euros));
  const cents = whole >= 100 ? 0 : random.weighted([99, 49, 95, 0], [6, 2, 1, 1]);
  const amount = whole >= 100 ? Math.round(whole / 5) * 500 - 1 : whole * 100 + cents;
  return Math.max(99, amount);
}

function validate(options: SeedOptions): void {
  for (const key of ['users', 'products', 'orders'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 0) throw new Error(`generateSeed: ${key} must be a non-negative integer, got ${value}`);
  }
  if (!Number.isFinite(options.seed)) throw new Error(`generateSeed: seed must be a finite number, got ${options.seed}`);
  if (options.orders > 0 && (options.users === 0 || options.products === 0)) {
    throw new Error('generateSeed: orders need at least one user and one product');
  }
  if (options.now !== undefined && Number.isNaN(options.now.getTime())) throw new Error('generateSeed: now is an invalid Date');
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

interface DraftProduct {
  category: number;
  collection: number;
  name: string;
  description: string;
  priceAmount: number;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
  popularity: number;
  id: string;
}

interface Collection {
  id: string;
  name: string;
  category: number;
  members: number[]; // indices into products
  table?: WeightedTable<number>;
  weight: number;
}

export function generateSeed(input: SeedOptions): SeedData {
  validate(input);
  const now = input.now ?? SEED_REFERENCE_NOW;
  const options: Required<SeedOptions> = { seed: input.seed, users: input.users, products: input.products, orders: input.orders, now };
  const nowMs = now.getTime();
  const root = new Random(options.seed);

  // ---- catalogue ------------------------------------------------------------------------------
  const rCat = root.fork('catalogue');
  const perCategory = apportion(
    options.products,
    CATEGORIES.map((c) => c.share),
    1,
  );
  const drafts: DraftProduct[] = [];
  const collections: Collection[] = [];
  const usedNames = new Set<string>();
  const linesUsed = new Map<string, number>();

  CATEGORIES.forEach((spec, categoryIndex) => {
    let remaining = perCategory[categoryIndex];
    const adjectives = rCat.shuffle(spec.adjectives);
    let adjectiveCursor = 0;
    while (remaining > 0) {
      // Collections of 5–10 (smaller only when a category has fewer than 5 products).
      let size = remaining <= 10 ? remaining : rCat.int(5, 10);
      if (remaining - size > 0 && remaining - size < 5) size = remaining - 5;
      remaining -= size;
      const line = rCat.pick(VOCABULARY.lineNames);
      const lineCount = (linesUsed.get(`${spec.code}:${line}`) ?? 0) + 1;
      linesUsed.set(`${spec.code}:${line}`, lineCount);
      const lineName =
        lineCount === 1 ? line : `${line} ${['', '', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X'][lineCount] ?? lineCount}`;
      // A collection shares its adjective (its look or material) and uses distinct nouns.
      const adjective = adjectives[adjectiveCursor++ % adjectives.length];
      const nouns = rCat.sample(spec.nouns, size);
      const collection: Collection = {
        id: `collection-${spec.code.toLowerCase()}-${pad(collections.length + 1, 3)}`,
        name: lineName,
        category: categoryIndex,
        members: [],
        weight: 0,
      };
      for (let k = 0; k < size; k++) {
        const noun = nouns[k % nouns.length];
        let name = '';
        for (let attempt = 0; attempt < 12; attempt++) {
          const candidate = `${adjective} ${noun} – ${rCat.pick(spec.variants)}`;
          if (!usedNames.has(candidate)) {
            name = candidate;
            break;
          }
        }
        if (!name) {
          let n = 2;
          while (usedNames.has(`${adjective} ${noun} – ${lineName} No. ${n}`)) n++;
          name = `${adjective} ${noun} – ${lineName} No. ${n}`;
        }
        usedNames.add(name);
        const createdAt = new Date(nowMs - Math.floor(rCat.float(380, 1100) * DAY));
        const updatedAt = new Date(Math.min(nowMs - DAY, createdAt.getTime() + Math.floor(rCat.float(0, 400) * DAY)));
        const stockRoll = rCat.next();
        const stock = stockRoll < 0.03 ? 0 : stockRoll < 0.07 ? rCat.int(1, 19) : Math.round(20 + 480 * Math.pow(rCat.next(), 1.6));
        const description = `${adjective} ${noun} from the ${lineName} collection. ${rCat.pick(spec.blurbs)}`;
        collection.members.push(drafts.length);
        drafts.push({
          category: categoryIndex,
          collection: collections.length,
          name,
          description,
          priceAmount: shopPrice(rCat, spec.price),
          stock,
          createdAt,
          updatedAt: updatedAt < createdAt ? createdAt : updatedAt,
          popularity: 0,
          id: '',
        });
      }
      collections.push(collection);
    }
  });

  // Zipf-like popularity within each category: a random rank per product, weight 1 / rank^0.9.
  const categoryProducts: number[][] = CATEGORIES.map(() => []);
  drafts.forEach((p, i) => categoryProducts[p.category].push(i));
  const rPop = root.fork('popularity');
  for (const members of categoryProducts) {
    rPop.shuffle(members).forEach((productIndex, rank) => {
      drafts[productIndex].popularity = 1 / Math.pow(rank + 1, 0.9);
    });
  }
  for (const c of collections) {
    c.weight = c.members.reduce((s, i) => s + drafts[i].popularity, 0);
    c.table = new WeightedTable(
      c.members,
      c.members.map((i) => drafts[i].popularity),
    );
  }

  // Ids in a shuffled order, so product-00001.. are not all books; SKU numbers follow the id.
  const productWidth = idWidth(drafts.length, 5);
  const skuWidth = idWidth(drafts.length, 6);
  const idOrder = root.fork('product-ids').shuffle(drafts.map((_, i) => i));
  const products: SeedProduct[] = new Array(drafts.length);
  idOrder.forEach((draftIndex, position) => {
    const d = drafts[draftIndex];
    d.id = `product-${pad(position + 1, productWidth)}`;
    products[position] = {
      id: d.id,
      sku: `SKU-${CATEGORIES[d.category].code}-${pad(position + 1, skuWidth)}`,
      name: d.name,
      description: d.description,
      category: CATEGORIES[d.category].name,
      priceAmount: d.priceAmount,
      currency: SEED_CURRENCY,
      stock: d.stock,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
    };
  });

  const categoryTables = categoryProducts.map((members) =>
    members.length > 0
      ? new WeightedTable(
          members,
          members.map((i) => drafts[i].popularity),
        )
      : undefined,
  );
  const globalTable =
    drafts.length > 0
      ? new WeightedTable(
          drafts.map((_, i) => i),
          drafts.map((d) => d.popularity),
        )
      : undefined;
  const stocked = CATEGORIES.map((_, i) => categoryProducts[i].length > 0);

  // ---- users and their taste ------------------------------------------------------------------
  const rUsers = root.fork('users');
  const userWidth = idWidth(options.users, 4);
  const emails = new Set<string>();
  interface DraftUser {
    id: string;
    name: string;
    email: string;
    createdAt: Date;
    taste: number[];
    tasteTable?: WeightedTable<number>;
    preferred: number[];
    favoriteCollections: number[];
    activity: number;
    orderCount: number;
  }
  const draftUsers: DraftUser[] = [];
  const availableCategories = CATEGORIES.map((_, i) => i).filter((i) => stocked[i]);
  for (let u = 0; u < options.users; u++) {
    const first = rUsers.pick(VOCABULARY.firstNames);
    const last = rUsers.pick(VOCABULARY.lastNames);
    const domain = rUsers.weighted(EMAIL_DOMAINS, EMAIL_DOMAIN_WEIGHTS);
    const local = `${emailPart(first)}.${emailPart(last)}`;
    let email = `${local}@${domain}`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${domain}`;
    emails.add(email);
    // Sign-ups spread over the last two years, growing towards the present.
    const daysAgo = 730 * Math.pow(rUsers.next(), 1.3) + 1;
    const createdAt = new Date(nowMs - Math.floor(daysAgo * DAY) - rUsers.int(0, DAY / 1000 - 1) * 1000);

    // Taste: 1–3 favourite categories (weighted by appeal) carry 85–95 % of the preference.
    const taste = CATEGORIES.map(() => 0);
    const preferred: number[] = [];
    if (availableCategories.length > 0) {
      const k = Math.min(availableCategories.length, 1 + rUsers.weightedIndex([0.3, 0.45, 0.25]));
      const pool = availableCategories.slice();
      for (let j = 0; j < k; j++) {
        const idx = rUsers.weightedIndex(pool.map((c) => CATEGORIES[c].appeal));
        preferred.push(pool[idx]);
        pool.splice(idx, 1);
      }
      const split = rUsers.dirichlet(preferred.map(() => 2));
      const focus = rUsers.float(0.85, 0.95);
      for (const c of availableCategories) taste[c] = (1 - focus) / availableCategories.length;
      preferred.forEach((c, j) => (taste[c] += focus * split[j]));
      // Strongest first.
      preferred.sort((a, b) => taste[b] - taste[a] || a - b);
    }
    // Two to four favourite collections inside the preferred categories.
    const favoriteCollections: number[] = [];
    const candidateCollections = collections.map((c, i) => ({ c, i })).filter(({ c }) => preferred.includes(c.category));
    const nFav = Math.min(candidateCollections.length, rUsers.int(2, 4));
    const favPool = candidateCollections.slice();
    for (let j = 0; j < nFav; j++) {
      const idx = rUsers.weightedIndex(favPool.map(({ c }) => c.weight * taste[c.category]));
      favoriteCollections.push(favPool[idx].i);
      favPool.splice(idx, 1);
    }
    // Activity: gamma-distributed (heavy buyers exist), scaled by how long the user could buy.
    const activeDays = Math.min(365, daysAgo);
    const activity = rUsers.gamma(0.8) * (0.15 + activeDays / 365);
    draftUsers.push({
      id: `user-${pad(u + 1, userWidth)}`,
      name: `${first} ${last}`,
      email,
      createdAt,
      taste,
      tasteTable:
        availableCategories.length > 0
          ? new WeightedTable(
              CATEGORIES.map((_, i) => i),
              taste,
            )
          : undefined,
      preferred,
      favoriteCollections,
      activity,
      orderCount: 0,
    });
  }

  // ---- orders ---------------------------------------------------------------------------------
  const rOrders = root.fork('orders');
  interface DraftOrder {
    user: number;
    at: number;
    items: Array<{ product: number; quantity: number }>;
    status: OrderStatus;
    seq: number;
  }
  const draftOrders: DraftOrder[] = [];
  if (options.orders > 0) {
    const userTable = new WeightedTable(
      draftUsers.map((_, i) => i),
      draftUsers.map((u) => u.activity + 1e-9),
    );
    const pickProduct = (user: DraftUser): number => {
      const category = user.tasteTable ? user.tasteTable.draw(rOrders) : rOrders.pick(availableCategories);
      const table = categoryTables[category] ?? globalTable!;
      return table.draw(rOrders);
    };
    for (let o = 0; o < options.orders; o++) {
      const userIndex = userTable.index(rOrders);
      const user = draftUsers[userIndex];
      user.orderCount++;
      const from = Math.max(user.createdAt.getTime() + 60_000, nowMs - 365 * DAY);
      const to = nowMs - 60_000;
      const at = Math.floor(from + rOrders.next() * Math.max(0, to - from));

      const wanted = 1 + rOrders.weightedIndex([0.48, 0.3, 0.14, 0.08]);
      const chosen: number[] = [];
      // The first item: from a favourite collection now and then, else by taste and popularity.
      const anchor =
        user.favoriteCollections.length > 0 && rOrders.chance(0.3)
          ? collections[rOrders.pick(user.favoriteCollections)].table!.draw(rOrders)
          : pickProduct(user);
      chosen.push(anchor);
      const anchorCollection = collections[drafts[anchor].collection];
      for (let attempts = 0; chosen.length < wanted && attempts < 20; attempts++) {
        const roll = rOrders.next();
        const candidate =
          roll < 0.62 ? anchorCollection.table!.draw(rOrders) : roll < 0.92 ? pickProduct(user) : globalTable!.draw(rOrders);
        if (!chosen.includes(candidate)) chosen.push(candidate);
      }
      const items = chosen.map((product) => {
        const bulk = CATEGORIES[drafts[product].category].bulk;
        const quantity = bulk
          ? [1, 2, 3, 4, 6][rOrders.weightedIndex([0.55, 0.25, 0.12, 0.05, 0.03])]
          : [1, 2, 3][rOrders.weightedIndex([0.85, 0.12, 0.03])];
        return { product, quantity };
      });
      // Recent orders are more often still awaiting payment.
      const recent = nowMs - at < 2 * DAY;
      const roll = rOrders.next();
      const status: OrderStatus = recent
        ? roll < 0.35
          ? 'PENDING_PAYMENT'
          : 'PAID'
        : roll < 0.05
          ? 'PENDING_PAYMENT'
          : roll < 0.08
            ? 'REFUNDED'
            : 'PAID';
      draftOrders.push({ user: userIndex, at, items, status, seq: o });
    }
  }
  draftOrders.sort((a, b) => a.at - b.at || a.seq - b.seq);

  const orderWidth = idWidth(draftOrders.length, 6);
  const itemCount = draftOrders.reduce((s, o) => s + o.items.length, 0);
  const itemWidth = idWidth(itemCount, 7);
  const paymentCount = draftOrders.filter((o) => o.status !== 'PENDING_PAYMENT').length;
  const paymentWidth = idWidth(paymentCount, 6);
  const rPay = root.fork('payments');
  const orders: SeedOrder[] = [];
  const orderItems: SeedOrderItem[] = [];
  const payments: SeedPayment[] = [];
  const purchases: SeedPurchase[] = [];
  draftOrders.forEach((d, index) => {
    const user = draftUsers[d.user];
    const id = `order-${pad(index + 1, orderWidth)}`;
    const createdAt = new Date(d.at);
    let total = 0;
    for (const item of d.items) {
      const product = drafts[item.product];
      total += item.quantity * product.priceAmount;
      orderItems.push({
        id: `order-item-${pad(orderItems.length + 1, itemWidth)}`,
        orderId: id,
        productId: product.id,
        quantity: item.quantity,
        unitPriceAmount: product.priceAmount,
        currency: SEED_CURRENCY,
      });
      if (d.status === 'PAID') {
        purchases.push({ orderId: id, productId: product.id, userId: user.id, quantity: item.quantity, purchasedAt: createdAt });
      }
    }
    orders.push({
      id,
      userId: user.id,
      status: d.status,
      totalAmount: total,
      currency: SEED_CURRENCY,
      idempotencyKey: `seed-${id}`,
      createdAt,
    });
    if (d.status !== 'PENDING_PAYMENT') {
      const paidAt = new Date(Math.min(nowMs - 1, d.at + rPay.int(3, 90) * 1000));
      const updatedAt =
        d.status === 'REFUNDED' ? new Date(Math.min(nowMs - 1, paidAt.getTime() + Math.floor(rPay.float(1, 21) * DAY))) : paidAt;
      payments.push({
        id: `payment-${pad(payments.length + 1, paymentWidth)}`,
        orderId: id,
        userId: user.id,
        amount: total,
        currency: SEED_CURRENCY,
        status: d.status === 'REFUNDED' ? 'REFUNDED' : 'CAPTURED',
        method: SEED_PAYMENT_METHOD,
        failureReason: null,
        idempotencyKey: `seed-${id}`,
        createdAt: paidAt,
        updatedAt,
      });
    }
  });

  // ---- segments from order counts -------------------------------------------------------------
  // NEW: at most one order; VIP: at least 2.5× the average (and at least 6); REGULAR otherwise.
  const mean = options.users > 0 ? options.orders / options.users : 0;
  const vipThreshold = Math.max(6, Math.ceil(2.5 * mean));
  const users: SeedUser[] = draftUsers.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    segment: u.orderCount <= 1 ? 'NEW' : u.orderCount >= vipThreshold ? 'VIP' : 'REGULAR',
    createdAt: u.createdAt,
  }));

  const truth: SeedTruth = {
    tastes: draftUsers.map((u) => ({
      userId: u.id,
      preferred: u.preferred.map((c) => CATEGORIES[c].name),
      weights: Object.fromEntries(CATEGORIES.map((c, i) => [c.name, u.taste[i]])),
      favoriteCollections: u.favoriteCollections.map((c) => collections[c].id),
    })),
    collections: collections.map((c) => ({
      id: c.id,
      name: c.name,
      category: CATEGORIES[c.category].name,
      productIds: c.members.map((i) => drafts[i].id),
    })),
    popularity: Object.fromEntries(drafts.map((d) => [d.id, d.popularity])),
  };

  return { options, users, products, orders, orderItems, payments, purchases, truth };
}
