/**
 * The one shape of a gateway concern: a plugin with optional hooks, one per phase a request goes
 * through, in this order:
 *   onHttpRequest       an HTTP request to a GraphQL endpoint, before its body is read (refuse it here)
 *   onOperation         the operation once parsed, validated and resolved (throw a GraphQLError to refuse it)
 *   onPlan              around executing the operation's plan (answer it another way, or observe it)
 *   onSubgraphFetch     around each fetch from a subgraph: request in, result out
 *   onSubscriptionEvent around completing each event of a subscription
 *   onResponse          the answer, once it is ready to go
 *   onErrors            errors Apollo Server reports (validation, execution), before they are formatted
 * Wrapping hooks take `next` and run as a chain: the first plugin listed is the outermost.
 * Per-request data travels in the RequestState (see requestSlot for a plugin's own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  DocumentNode,
  ExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
  OperationTypeNode,
} from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import type { RequestState } from './request-state';

/** What the gate knows while an HTTP request's body is still unread; plugins fill in what they establish. */
export interface HttpRequestPhase {
  readonly endpoint: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Grows as plugins run: the viewer (or why it could not be verified), the partner. */
  readonly state: Partial<RequestState> & { authenticationError?: unknown };
}

/** One HTTP request to a GraphQL endpoint, before anything is done with it. */
export interface HttpExchange {
  readonly endpoint: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** A step Apollo Server runs itself on the document, before the operation is known. */
export interface DocumentPhase {
  readonly state: RequestState;
  readonly name: 'parse' | 'validate';
}

/** An operation Apollo Server has parsed, validated and picked from its document. */
export interface OperationPhase {
  readonly state: RequestState;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  /** Undefined when the document names no runnable operation (a plugin answers that). */
  readonly operation?: OperationDefinitionNode;
  /** The operationName the client sent. */
  readonly operationName?: string | null;
  readonly variables?: Record<string, unknown>;
}

/** An operation about to be executed; `next` runs Apollo's query plan executor. */
export interface PlanPhase {
  readonly state: RequestState;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | null;
  readonly variables?: Record<string, unknown>;
  /** Apollo's hash of the query text: with operationName, what identifies the operation. */
  readonly queryHash: string;
  /** Whether Apollo records a trace of this request (a step that skips the executor would lose it). */
  readonly tracing: boolean;
  /** Fetches from one subgraph for this operation, through every onSubgraphFetch; undefined for a subgraph the gateway does not know. */
  fetch(subgraph: string, request: SubgraphRequest, document?: DocumentNode): Promise<SubgraphResult> | undefined;
  /** Runs a plan with Apollo's executor; `answered` is one subgraph's answer already in hand, used instead of fetching it. */
  executePlan(plan: QueryPlan, answered?: { subgraph: string; result: SubgraphResult }): Promise<ExecutionResult>;
}

/** Whose data a subgraph fetch is for: a client's operation, or the gateway's own (health checks, schema loading). */
export type SubgraphFetchKind = 'operation' | 'health-check' | 'loading-schema';

/** The GraphQL request sent to a subgraph (the body of the HTTP request, before serialising). */
export interface SubgraphRequest {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

/** One fetch from one subgraph. A plugin that changes it passes a changed copy to `next`. */
export interface SubgraphFetch {
  readonly subgraph: string;
  readonly kind: SubgraphFetchKind;
  readonly request: SubgraphRequest;
  /** The request's operation parsed, where the planner handed it along. */
  readonly document?: DocumentNode;
  /** HTTP headers to send with it (the transport adds Content-Type). */
  readonly headers: Record<string, string>;
  /** The client request's state; undefined for the gateway's own fetches. */
  readonly state?: RequestState;
  /** The client's operation this fetch serves, for kind 'operation'. */
  readonly operation?: { readonly name: string | null; readonly type: OperationTypeNode };
  /** What steps report about how the fetch was answered (the entity cache: hit, miss or partial; fetch-dedup: shared). */
  readonly outcome: SubgraphFetchOutcome;
}

export interface SubgraphFetchOutcome {
  cache?: 'hit' | 'miss' | 'partial';
  /** True when the answer is another fetch's: an identical one in flight (plugins/subgraph-fetch/dedup), nothing sent for this one. */
  deduplicated?: boolean;
}

export interface SubgraphResult {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLFormattedError>;
  extensions?: Record<string, unknown>;
}

export type SubgraphFetchNext = (fetch: SubgraphFetch) => Promise<SubgraphResult>;

/** One event of a subscription, to be completed with fields from other subgraphs; `next` does that. */
export interface SubscriptionEventPhase {
  readonly state: RequestState;
  readonly document: DocumentNode;
  readonly operationName?: string | null;
  readonly event: ExecutionResult;
}

/** The answer to an operation, just before it goes out. */
export interface ResponsePhase {
  readonly state: RequestState;
  readonly operationName?: string | null;
  /** The operation's type, where the document parsed and names a runnable operation. */
  readonly operationType?: OperationTypeNode;
  /**
   * performance.now() when the request arrived: at the endpoint's HTTP gate, before its body was
   * read and the gate's checks ran; over WebSocket, when Apollo Server took it.
   */
  readonly startedAt: number;
  readonly errors?: ReadonlyArray<GraphQLFormattedError>;
}

export interface GatewayPlugin {
  /** Names the plugin in logs and errors. */
  readonly name: string;
  /** Wraps everything done for the request (`next` once, synchronously or later): where context that must enclose it all begins, such as a trace's server span. */
  onHttpExchange?(exchange: HttpExchange, next: () => void): void;
  /** False: the plugin has answered the request itself (401, 429, …) and nothing after it runs. */
  onHttpRequest?(request: HttpRequestPhase): Promise<boolean> | boolean;
  /**
   * A document phase begins; the function returned is called when it ends, with its errors if any.
   * Not called for a document Apollo Server has parsed and validated before (its document cache).
   */
  onDocumentPhase?(phase: DocumentPhase): ((errors?: readonly Error[]) => void) | void;
  onOperation?(operation: OperationPhase): Promise<void> | void;
  onPlan?(plan: PlanPhase, next: () => Promise<ExecutionResult>): Promise<ExecutionResult>;
  onSubgraphFetch?(fetch: SubgraphFetch, next: SubgraphFetchNext): Promise<SubgraphResult>;
  onSubscriptionEvent?(event: SubscriptionEventPhase, next: (event: ExecutionResult) => Promise<ExecutionResult>): Promise<ExecutionResult>;
  onResponse?(response: ResponsePhase): Promise<void> | void;
  /** Errors Apollo Server is about to answer with (validation, execution), before they are formatted; a plugin may edit their messages. */
  onErrors?(errors: readonly Error[]): void;
}
