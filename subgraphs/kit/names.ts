export const SUBGRAPH_NAMES = ['users', 'products', 'orders', 'payments', 'recommendations'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
