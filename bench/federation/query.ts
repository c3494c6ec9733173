/**
 * The public federation gateways benchmark's one operation, exactly as its k6 script sends it
 * (k6.js: the template literal's indentation included; the body is `JSON.stringify({ query })`).
 * One nested query over all four subgraphs; Apollo's planner makes 16 fetches of it.
 *
 * Re-created from graphql-hive/graphql-gateways-benchmark, MIT License, Copyright (c) 2023 The Guild.
 */
export const BENCHMARK_QUERY = `fragment User on User {
      id
      username
      name
    }

    fragment Review on Review {
      id
      body
    }

    fragment Product on Product {
      inStock
      name
      price
      shippingEstimate
      upc
      weight
    }

    query TestQuery {
      users {
        ...User
        reviews {
          ...Review
          product {
            ...Product
            reviews {
              ...Review
              author {
                ...User
                reviews {
                  ...Review
                  product {
                    ...Product
                  }
                }
              }
            }
          }
        }
      }
      topProducts {
        ...Product
        reviews {
          ...Review
          author {
            ...User
            reviews {
              ...Review
              product {
                ...Product
              }
            }
          }
        }
      }
    }`;

/** The request body k6 posts. */
export const BENCHMARK_BODY = JSON.stringify({ query: BENCHMARK_QUERY });
