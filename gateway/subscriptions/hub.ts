/**
 * Client subscriptions over shared upstream subscriptions. Identical upstream subscriptions
 * (same subgraph, operation, variables and viewer) are opened once; each event is completed once
 * per distinct client operation and pushed to every client that asked for it.
 */
import { GraphQLError, print, type DocumentNode, type ExecutionResult } from 'graphql';
import type { SubscriptionNode } from '@apollo/query-planner';
import { appError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { clientSubscriptions, subscriptionEvents, upstreamSubscriptions, upstreamSubscriptionsOpened } from '../../platform/metrics';
import { pushIterator, type PushIterator } from '../../platform/push-iterator';
import type { Viewer } from '../../platform/viewer';
import type { EventExecution, EventExecutor } from './event-executor';
import type { FederatedPlanner } from '../pipeline/planner';
import { viewerKey, type UpstreamConnections } from './upstream';

export interface SubscriptionLimits {
  perConnection: number;
  total: number;
}

/** What the hub tracks per client connection. */
export interface ConnectionState {
  active: number;
}

interface Execution {
  execution: EventExecution;
  subscribers: Set<PushIterator<ExecutionResult>>;
}

interface Upstream {
  service: string;
  executions: Map<string, Execution>;
  /** Events are completed one after another, so clients see them in the order the subgraph sent them. */
  delivery: Promise<void>;
  dispose(): void;
}

export interface ClientSubscription {
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  viewer: Viewer;
  connection: ConnectionState;
}

const failure = (error: GraphQLError): ExecutionResult => ({ errors: [error] });

interface WireError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/** Errors arrive from subgraphs as JSON; clients are sent GraphQLErrors (what graphql-ws serialises). */
const revive = (errors: readonly WireError[]): GraphQLError[] =>
  errors.map((error) =>
    error instanceof GraphQLError ? error : new GraphQLError(error.message, { path: error.path, extensions: error.extensions }),
  );

export class SubscriptionHub {
  private readonly upstreams = new Map<string, Upstream>();
  private total = 0;

  constructor(
    private readonly planner: FederatedPlanner,
    private readonly executor: EventExecutor,
    private readonly connections: UpstreamConnections,
    private readonly limits: SubscriptionLimits,
    private readonly log: Logger,
  ) {}

  get activeSubscriptions(): number {
    return this.total;
  }

  get upstreamCount(): number {
    return this.upstreams.size;
  }

  subscribe(request: ClientSubscription): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    if (request.connection.active >= this.limits.perConnection) {
      return failure(
        appError(ErrorCode.LIMIT_EXCEEDED, `At most ${this.limits.perConnection} subscriptions per connection`, {
          limit: this.limits.perConnection,
        }),
      );
    }
    if (this.total >= this.limits.total) {
      return failure(
        appError(ErrorCode.LIMIT_EXCEEDED, `This gateway is at its limit of ${this.limits.total} subscriptions; retry later`, {
          limit: this.limits.total,
        }),
      );
    }
    let node: SubscriptionNode;
    try {
      node = this.planner.planSubscription(request.document, request.operationName);
    } catch (error) {
      return failure(error instanceof GraphQLError ? error : appError(ErrorCode.BAD_USER_INPUT, String((error as Error).message ?? error)));
    }
    const primaryVariables = Object.fromEntries(
      (node.primary.variableUsages ?? []).filter((name) => name in request.variables).map((name) => [name, request.variables[name]]),
    );
    const upstreamKey = JSON.stringify([node.primary.serviceName, node.primary.operation, primaryVariables, viewerKey(request.viewer)]);
    const upstream = this.upstreams.get(upstreamKey) ?? this.open(upstreamKey, node, primaryVariables, request.viewer);
    const executionKey = JSON.stringify([print(request.document), request.operationName ?? null, request.variables]);
    let execution = upstream.executions.get(executionKey);
    if (!execution) {
      execution = {
        execution: {
          node,
          document: request.document,
          operationName: request.operationName,
          variables: request.variables,
          context: { viewer: request.viewer },
        },
        subscribers: new Set(),
      };
      upstream.executions.set(executionKey, execution);
    }
    const subscriber: PushIterator<ExecutionResult> = pushIterator<ExecutionResult>(() => {
      this.leave(upstreamKey, upstream, executionKey, subscriber);
      request.connection.active--;
    });
    execution.subscribers.add(subscriber);
    request.connection.active++;
    this.total++;
    clientSubscriptions.inc();
    return subscriber;
  }

  private open(key: string, node: SubscriptionNode, variables: Record<string, unknown>, viewer: Viewer): Upstream {
    const service = node.primary.serviceName;
    const upstream: Upstream = { service, executions: new Map(), delivery: Promise.resolve(), dispose: () => undefined };
    this.upstreams.set(key, upstream);
    upstreamSubscriptionsOpened.inc({ subgraph: service });
    upstreamSubscriptions.inc({ subgraph: service });
    upstream.dispose = this.connections.subscribe(
      service,
      viewer,
      { query: node.primary.operation, variables, operationName: node.primary.operationName },
      {
        next: (event) => {
          upstream.delivery = upstream.delivery.then(() => this.deliver(upstream, event));
        },
        error: (error) => {
          upstream.delivery = upstream.delivery.then(() => this.end(key, upstream, this.describe(service, error)));
        },
        complete: () => {
          upstream.delivery = upstream.delivery.then(() => this.end(key, upstream));
        },
      },
    );
    return upstream;
  }

  private async deliver(upstream: Upstream, event: ExecutionResult): Promise<void> {
    subscriptionEvents.inc({ subgraph: upstream.service });
    for (const { execution, subscribers } of upstream.executions.values()) {
      const result = event.data
        ? await this.executor.execute(execution, event).catch((error: unknown) => {
            this.log.error({ err: error }, 'completing a subscription event failed');
            return failure(appError(ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'));
          })
        : { data: null, errors: revive((event.errors ?? []) as readonly WireError[]) };
      for (const subscriber of subscribers) subscriber.push(result);
    }
  }

  /** Subgraph errors (e.g. FORBIDDEN) reach clients as they are; a connection that could not be restored is SERVICE_UNAVAILABLE. */
  private describe(service: string, error: unknown): ExecutionResult {
    if (Array.isArray(error)) return { errors: revive(error as WireError[]) };
    this.log.warn({ service, error: String((error as { reason?: string }).reason ?? error) }, 'upstream subscription lost');
    return failure(appError(ErrorCode.SERVICE_UNAVAILABLE, `The ${service} service is unavailable; subscribe again later`));
  }

  private end(key: string, upstream: Upstream, last?: ExecutionResult): void {
    if (this.upstreams.get(key) === upstream) {
      this.upstreams.delete(key);
      upstreamSubscriptions.dec({ subgraph: upstream.service });
    }
    for (const { subscribers } of upstream.executions.values()) {
      for (const subscriber of subscribers) {
        if (last) subscriber.push(last);
        subscriber.end();
      }
    }
  }

  private leave(key: string, upstream: Upstream, executionKey: string, subscriber: PushIterator<ExecutionResult>): void {
    const execution = upstream.executions.get(executionKey);
    if (!execution?.subscribers.delete(subscriber)) return;
    this.total--;
    clientSubscriptions.dec();
    if (execution.subscribers.size === 0) upstream.executions.delete(executionKey);
    if (upstream.executions.size === 0) {
      upstream.dispose();
      if (this.upstreams.get(key) === upstream) {
        this.upstreams.delete(key);
        upstreamSubscriptions.dec({ subgraph: upstream.service });
      }
    }
  }
}
