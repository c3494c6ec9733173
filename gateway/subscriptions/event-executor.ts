/**
 * Completes one subscription event with the gateway's own executor. The plan's `primary` fetch is
 * answered by the event itself (a data source that replays it), then `rest` runs exactly as in a
 * query, so entity fields from other subgraphs resolve per event with batching and access rules.
 */
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult } from 'graphql';
import type { Logger } from '../../platform/logger';
import type { GatewayContext } from '../data-source';
import type { FederatedPlanner } from './planner';

const EVENT_SOURCE = '__subscription_event__';

/** A data source whose only answer is the subscription event it was made with. */
function replay(event: ExecutionResult): GraphQLDataSource {
  return { process: async () => ({ data: event.data as Record<string, unknown> | null, errors: event.errors as never }) };
}

export interface EventExecution {
  node: SubscriptionNode;
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  context: GatewayContext;
}

export class EventExecutor {
  constructor(
    private readonly planner: FederatedPlanner,
    private readonly dataSources: ServiceMap,
    private readonly log: Logger,
  ) {}

  /** The plan and operation context of an execution are the same for every event: built once. */
  private readonly prepared = new WeakMap<
    EventExecution,
    { plan: QueryPlan; operationContext: ReturnType<typeof buildOperationContext> }
  >();

  private prepare(execution: EventExecution, rest: PlanNode) {
    let prepared = this.prepared.get(execution);
    if (!prepared) {
      const primary: FetchNode = { ...execution.node.primary, serviceName: EVENT_SOURCE };
      prepared = {
        plan: { kind: 'QueryPlan', node: { kind: 'Sequence', nodes: [primary, rest] } },
        operationContext: buildOperationContext({
          schema: this.planner.apiGraphQLSchema,
          operationDocument: execution.document,
          operationName: execution.operationName ?? undefined,
        }),
      };
      this.prepared.set(execution, prepared);
    }
    return prepared;
  }

  async execute(execution: EventExecution, event: ExecutionResult): Promise<ExecutionResult> {
    if (!execution.node.rest) return event;
    const { plan, operationContext } = this.prepare(execution, execution.node.rest);
    // Fresh per event: the executor records per-request state (error paths, traces) in it.
    const requestContext = {
      request: { query: undefined, variables: execution.variables, operationName: execution.operationName ?? undefined },
      context: execution.context,
      logger: this.log,
      metrics: {},
      cache: undefined,
      schema: this.planner.apiGraphQLSchema,
      document: execution.document,
      operationName: execution.operationName ?? null,
      operation: operationContext.operation,
      source: undefined,
      queryHash: '',
      overallCachePolicy: undefined,
      requestIsBatched: false,
    } as unknown as Parameters<typeof executeQueryPlan>[2];
    const result = await executeQueryPlan(
      plan,
      { ...this.dataSources, [EVENT_SOURCE]: replay(event) },
      requestContext,
      operationContext,
      this.planner.supergraphSchema,
      this.planner.apiSchema,
    );
    return { data: result.data ?? null, ...(result.errors ? { errors: result.errors } : {}) } as ExecutionResult;
  }
}
