/**
 * What the gateway knows about one client request, carried as the GraphQL context from the HTTP
 * gate (or the WebSocket session) to every phase after it, down to each subgraph fetch.
 */
import type { Span } from '@opentelemetry/api';
import type { Viewer } from '../../platform/viewer';

/** A partner of the partner API, as its API key names it (plugins/http/partner-keys). */
export interface PartnerIdentity {
  id: string;
  name: string;
  /** The service-account user the partner acts as. */
  userId: string;
  requestsPerMinute: number;
  costBudget: number;
}

export interface RequestState {
  /** The verified client, or an anonymous one; subgraphs get it as signed claims. */
  viewer: Viewer;
  /** The partner whose API key the request carried (partner API only). */
  partner?: PartnerIdentity;
  /** performance.now() when the HTTP request reached the endpoint, before its body was read (absent over WebSocket). */
  receivedAt?: number;
  /**
   * The request's server span, with tracing on (plugins/http/tracing.ts): the parent of the spans
   * the pipeline starts for it, named here because it is not the active span outside the plan.
   */
  span?: Span;
}

/**
 * A plugin's own data for one request, kept beside the request's state and gone with it:
 * `const usage = requestSlot<Usage>(); usage.set(state, …); usage.get(state)`.
 */
export interface RequestSlot<T> {
  get(state: RequestState): T | undefined;
  set(state: RequestState, value: T): void;
}

export function requestSlot<T>(): RequestSlot<T> {
  const values = new WeakMap<RequestState, T>();
  return { get: (state) => values.get(state), set: (state, value) => void values.set(state, value) };
}
