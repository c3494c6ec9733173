/** The five subgraphs, in the order they start. */
import type { SubgraphDefinition } from './kit/definition';
import { ordersSubgraph } from './orders/subgraph';
import { paymentsSubgraph } from './payments/subgraph';
import { productsSubgraph } from './products/subgraph';
import { recommendationsSubgraph } from './recommendations/subgraph';
import { usersSubgraph } from './users/subgraph';

export const subgraphs: SubgraphDefinition<never, never>[] = [
  usersSubgraph,
  productsSubgraph,
  ordersSubgraph,
  paymentsSubgraph,
  recommendationsSubgraph,
] as SubgraphDefinition<never, never>[];
