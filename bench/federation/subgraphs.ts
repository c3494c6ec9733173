/**
 * The public federation gateways benchmark's four subgraphs — accounts, inventory, products,
 * reviews — with its schemas and answers, as @apollo/subgraph schemas over the data in ./data.ts.
 * Each SDL is what the benchmark's Rust subgraph (async-graphql) declares; each resolver answers
 * what its Rust resolver answers, quirks included (see REVIEW_AUTHOR, USER_REVIEWS, INVENTORY).
 *
 * Schemas and behaviour re-created from graphql-hive/graphql-gateways-benchmark, MIT License,
 * Copyright (c) 2023 The Guild.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { INVENTORY, PRODUCTS, REVIEW_AUTHOR, REVIEWS, USER_REVIEWS, USERS, type BenchReview } from './data';

export const BENCHMARK_SUBGRAPH_NAMES = ['accounts', 'inventory', 'products', 'reviews'] as const;
export type BenchmarkSubgraphName = (typeof BENCHMARK_SUBGRAPH_NAMES)[number];

const FEDERATION = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides", "@shareable"])`;

export const SUBGRAPH_SDL: Record<BenchmarkSubgraphName, string> = {
  accounts: `${FEDERATION}
    type Query {
      me: User
      user(id: ID!): User
      users: [User]
    }
    type User @key(fields: "id") {
      id: ID!
      name: String
      # Shareable: the reviews subgraph provides it (Federation 2 composition insists; the supergraph is the benchmark's all the same).
      username: String @shareable
      birthday: Int
    }`,
  inventory: `${FEDERATION}
    type Product @key(fields: "upc") {
      upc: String!
      weight: Int @external
      price: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
    }`,
  products: `${FEDERATION}
    type Query {
      topProducts(first: Int = 5): [Product]
    }
    type Product @key(fields: "upc") {
      upc: String!
      name: String
      price: Int
      weight: Int
    }`,
  reviews: `${FEDERATION}
    type Review @key(fields: "id") {
      id: ID!
      body: String
      product: Product
      author: User @provides(fields: "username")
    }
    type User @key(fields: "id") {
      id: ID!
      username: String @external
      reviews: [Review]
    }
    type Product @key(fields: "upc") {
      upc: String!
      reviews: [Review]
    }`,
};

/** A missing entity fails its representation, as the Rust resolvers' `unwrap()` does. */
function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

/** buildSubgraphSchema's resolver map (its type is not exported by name). */
type Resolvers = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>['resolvers']>;

const RESOLVERS: Record<BenchmarkSubgraphName, Resolvers> = {
  accounts: {
    Query: {
      me: () => USERS[0],
      user: (_: unknown, { id }: { id: string }) => USERS.find((user) => user.id === id) ?? null,
      users: () => USERS,
    },
    User: {
      __resolveReference: ({ id }: { id: string }) =>
        found(
          USERS.find((user) => user.id === id),
          `user ${id}`,
        ),
    },
  },
  inventory: {
    Product: {
      // The inventory row, not the representation: the required price and weight are never read.
      __resolveReference: ({ upc }: { upc: string }) =>
        found(
          INVENTORY.find((row) => row.upc === upc),
          `product ${upc}`,
        ),
      shippingEstimate: ({ price, weight }: { price: number | null; weight: number | null }) => {
        if (price === null) return null;
        if (price > 1000) return 0;
        return weight === null ? null : Math.trunc(weight / 2);
      },
    },
  },
  products: {
    Query: {
      // Rust's `take(first as usize)`: a negative `first` wraps to a huge count, so all of them.
      topProducts: (_: unknown, { first }: { first: number }) => (first < 0 ? PRODUCTS : PRODUCTS.slice(0, first)),
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) =>
        found(
          PRODUCTS.find((product) => product.upc === upc),
          `product ${upc}`,
        ),
    },
  },
  reviews: {
    Review: {
      __resolveReference: ({ id }: { id: string }) =>
        found(
          REVIEWS.find((review) => review.id === id),
          `review ${id}`,
        ),
      product: (review: BenchReview) => ({ upc: review.productUpc }),
      author: () => REVIEW_AUTHOR,
    },
    User: {
      // The benchmark answers username "user" for any id here, but the field is external: never asked.
      __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user' }),
      reviews: () => USER_REVIEWS,
    },
    Product: {
      __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
      reviews: ({ upc }: { upc: string }) => REVIEWS.filter((review) => review.productUpc === upc),
    },
  },
};

export function benchmarkSubgraphSchema(name: BenchmarkSubgraphName): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: parse(SUBGRAPH_SDL[name]), resolvers: RESOLVERS[name] });
}
