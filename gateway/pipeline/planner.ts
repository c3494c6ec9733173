/**
 * Plans operations with the same federation query planner the gateway uses. For a subscription
 * the plan is a SubscriptionNode: `primary` (a fetch from the subgraph that owns the field) and
 * `rest` (the fetches that complete each event from other subgraphs).
 */
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan, type SubscriptionNode } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { declareListSizes } from './list-sizes';

export class FederatedPlanner {
  readonly apiSchema: Schema;
  /** The public API as graphql-js sees it: what clients validate against. */
  readonly apiGraphQLSchema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    // The cost model's list sizes: the API schema carries no directives, the supergraph does.
    declareListSizes(supergraph, this.apiGraphQLSchema);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  plan(document: DocumentNode, operationName?: string | null): QueryPlan {
    const operation = operationFromDocument(this.apiSchema, document, { operationName: operationName ?? undefined });
    return this.planner.buildQueryPlan(operation);
  }

  planSubscription(document: DocumentNode, operationName?: string | null): SubscriptionNode {
    const plan = this.plan(document, operationName);
    if (plan.node?.kind !== 'Subscription') throw new Error('The operation is not a subscription');
    return plan.node;
  }
}
