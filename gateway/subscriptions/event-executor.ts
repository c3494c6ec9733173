/**
 * Completes one subscription event with the gateway's own executor. The plan's `primary` fetch is
 * answered by the event itself (a data source that replays it), then `rest` runs exactly as in a
 * query, so entity fields from other subgraphs resolve per event with batching and access rules.
 * Every event passes the plugins' onSubscriptionEvent hooks on its way.
 */
import type { ServiceMap } from '@apollo/gateway';
import type { FetchNode, PlanNode, SubscriptionNode } from '@apollo/query-planner';
import type { DocumentNode, ExecutionResult } from 'graphql';
import type { Logger } from '../../platform/logger';
import { executeEventPlan, prepareEventPlan, type EventPlanRun } from '../pipeline/apollo-adapter';
import type { FederatedPlanner } from '../pipeline/planner';
import type { SubscriptionEventPhase } from '../pipeline/plugin';
import type { RequestState } from '../pipeline/request-state';
import type { Pipeline } from '../pipeline/runner';

const EVENT_SOURCE = '__subscription_event__';

export interface EventExecution {
  node: SubscriptionNode;
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  context: RequestState;
}

export class EventExecutor {
  private readonly complete: (phase: SubscriptionEventPhase & { execution: EventExecution }) => Promise<ExecutionResult>;

  constructor(
    private readonly planner: FederatedPlanner,
    private readonly dataSources: ServiceMap,
    private readonly log: Logger,
    pipeline?: Pipeline,
  ) {
    const complete = (phase: SubscriptionEventPhase) =>
      this.completeEvent((phase as SubscriptionEventPhase & { execution: EventExecution }).execution, phase.event);
    this.complete = pipeline ? pipeline.subscriptionEvent(complete) : complete;
  }

  /** The plan and operation context of an execution are the same for every event: built once. */
  private readonly prepared = new WeakMap<EventExecution, EventPlanRun>();

  private prepare(execution: EventExecution, rest: PlanNode): EventPlanRun {
    let prepared = this.prepared.get(execution);
    if (!prepared) {
      const primary: FetchNode = { ...execution.node.primary, serviceName: EVENT_SOURCE };
      prepared = prepareEventPlan(
        this.planner,
        { kind: 'QueryPlan', node: { kind: 'Sequence', nodes: [primary, rest] } },
        execution.document,
        execution.operationName,
      );
      this.prepared.set(execution, prepared);
    }
    return prepared;
  }

  execute(execution: EventExecution, event: ExecutionResult): Promise<ExecutionResult> {
    const { document, operationName, context: state } = execution;
    return this.complete({ state, document, operationName, event, execution });
  }

  private async completeEvent(execution: EventExecution, event: ExecutionResult): Promise<ExecutionResult> {
    if (!execution.node.rest) return event;
    const run = this.prepare(execution, execution.node.rest);
    return executeEventPlan(
      this.planner,
      run,
      this.dataSources,
      { subgraph: EVENT_SOURCE, event },
      {
        document: execution.document,
        operationName: execution.operationName,
        variables: execution.variables,
        state: execution.context,
        log: this.log,
      },
    );
  }
}
