/**
 * The public federation gateways benchmark's data, as its four Rust subgraphs hold it
 * (federation/subgraphs/{accounts,inventory,products,reviews}/subgraph.rs).
 *
 * Re-created from graphql-hive/graphql-gateways-benchmark, MIT License, Copyright (c) 2023 The Guild.
 */

export interface BenchUser {
  id: string;
  name: string | null;
  username: string | null;
  birthday: number | null;
}

/** accounts: `me` is the first; `users` answers all six in this order. */
export const USERS: readonly BenchUser[] = [
  { id: '1', name: 'Uri Goldshtein', username: 'urigo', birthday: 1234567890 },
  { id: '2', name: 'Dotan Simha', username: 'dotansimha', birthday: 1234567890 },
  { id: '3', name: 'Kamil Kisiela', username: 'kamilkisiela', birthday: 1234567890 },
  { id: '4', name: 'Arda Tanrikulu', username: 'ardatan', birthday: 1234567890 },
  { id: '5', name: 'Gil Gardosh', username: 'gilgardosh', birthday: 1234567890 },
  { id: '6', name: 'Laurin Quast', username: 'laurin', birthday: 1234567890 },
];

export interface BenchProduct {
  upc: string;
  name: string | null;
  price: number | null;
  weight: number | null;
}

/** products: `topProducts(first = 5)` answers the first `first` of these. */
export const PRODUCTS: readonly BenchProduct[] = [
  { upc: '1', name: 'Table', price: 899, weight: 100 },
  { upc: '2', name: 'Couch', price: 1299, weight: 1000 },
  { upc: '3', name: 'Glass', price: 15, weight: 20 },
  { upc: '4', name: 'Chair', price: 499, weight: 100 },
  { upc: '5', name: 'TV', price: 1299, weight: 1000 },
  { upc: '6', name: 'Lamp', price: 6999, weight: 300 },
  { upc: '7', name: 'Grill', price: 3999, weight: 2000 },
  { upc: '8', name: 'Fridge', price: 100000, weight: 6000 },
  { upc: '9', name: 'Sofa', price: 9999, weight: 800 },
];

export interface BenchInventory {
  upc: string;
  inStock: boolean | null;
  /**
   * The benchmark's inventory rows hold no price or weight of their own, and its entity resolver
   * takes only the key: the `@requires` fields the gateway sends are never read, so every
   * `shippingEstimate` the benchmark answers is null (its k6 script expects exactly that).
   */
  price: number | null;
  weight: number | null;
}

export const INVENTORY: readonly BenchInventory[] = [
  { upc: '1', inStock: true, price: null, weight: null },
  { upc: '2', inStock: false, price: null, weight: null },
  { upc: '3', inStock: false, price: null, weight: null },
  { upc: '4', inStock: false, price: null, weight: null },
  { upc: '5', inStock: true, price: null, weight: null },
  { upc: '6', inStock: true, price: null, weight: null },
  { upc: '7', inStock: true, price: null, weight: null },
  { upc: '8', inStock: false, price: null, weight: null },
  { upc: '9', inStock: true, price: null, weight: null },
];

export interface BenchReview {
  id: string;
  body: string | null;
  /** The reviewed product's upc. */
  productUpc: string;
}

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.';
// Cut off mid-word in the benchmark too.
const SED_UT =
  'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi';
const SED_QUIA =
  'sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem.';
const UT_ENIM =
  'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ex ea commodi consequatur? Quis autem';
const AT_VERO =
  'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis doloribus asperiores repellat.';

/** reviews: four of the table, four of the couch, one of the glass, two of the chair, none of the TV. */
export const REVIEWS: readonly BenchReview[] = [
  { id: '1', body: LOREM, productUpc: '1' },
  { id: '2', body: SED_UT, productUpc: '1' },
  { id: '3', body: SED_QUIA, productUpc: '1' },
  { id: '4', body: UT_ENIM, productUpc: '1' },
  { id: '5', body: LOREM, productUpc: '2' },
  { id: '6', body: SED_UT, productUpc: '2' },
  { id: '7', body: SED_QUIA, productUpc: '2' },
  { id: '8', body: UT_ENIM, productUpc: '2' },
  { id: '9', body: UT_ENIM, productUpc: '3' },
  { id: '10', body: UT_ENIM, productUpc: '4' },
  { id: '11', body: AT_VERO, productUpc: '4' },
];

/**
 * The reviews subgraph's fixed answers, as the benchmark has them: every review's author is user 1
 * (its username provided as "urigo"), and every user's `reviews` are the first two reviews.
 */
export const REVIEW_AUTHOR = { id: '1', username: 'urigo' } as const;
export const USER_REVIEWS: readonly BenchReview[] = REVIEWS.slice(0, 2);
