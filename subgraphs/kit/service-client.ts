/**
 * Calls between services go through the callee's GraphQL endpoint with the caller's viewer
 * forwarded and signed, exactly as the gateway would call it: one way in, one access check. The
 * signature (platform/forwarded-claims.ts) binds the call to its target and body and lives 30 s.
 */
import { GraphQLError } from 'graphql';
import { appError, ErrorCode } from '../../platform/errors';
import type { SubgraphName } from '../../platform/services';
import { trace } from '@opentelemetry/api';
import { claimsHeaders } from '../../platform/forwarded-claims';
import { clientSpan, tracingOn } from '../../platform/telemetry';
import type { Viewer } from '../../platform/viewer';

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The instrumentation scope of service-to-service calls' spans; each belongs to the calling service (platform/telemetry/sdk.ts). */
const CALLER_SCOPE = 'federation-platform/service-client';

export class ServiceClient {
  constructor(
    private readonly urls: Record<SubgraphName, string>,
    private readonly internalSecret: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * `options.timeoutMs` shortens the client's timeout for callers that have a better answer than
   * waiting; `options.signal` lets a caller that is stopping abandon the call at once.
   */
  async request<T>(
    target: SubgraphName,
    query: string,
    variables: Record<string, unknown>,
    viewer: Viewer,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const body = JSON.stringify({ query, variables });
    const claims = await claimsHeaders(viewer, { secret: this.internalSecret, issuer: 'platform-service', audience: target, body });
    const call = (traceHeaders: Record<string, string>) =>
      fetch(this.urls[target], {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...claims, ...traceHeaders },
        body,
        signal: withAbort(AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs), options.signal),
      });
    let response: Response;
    try {
      // With tracing on, the call is a client span of the caller's trace, and the callee's server span its child.
      response = await (tracingOn()
        ? clientSpan(trace.getTracer(CALLER_SCOPE), `call ${target}`, { 'peer.service': target }, call)
        : call({}));
    } catch (error) {
      throw appError(ErrorCode.SERVICE_UNAVAILABLE, `The ${target} service is unavailable`, { cause: String(error) });
    }
    const answer = (await response.json().catch(() => ({}))) as GraphQLResponse<T>;
    const [first] = answer.errors ?? [];
    if (first) {
      // The callee's error (INSUFFICIENT_STOCK, NOT_FOUND, ...) is the caller's answer too.
      throw new GraphQLError(first.message, { extensions: { ...first.extensions, service: target } });
    }
    if (!answer.data) throw appError(ErrorCode.SERVICE_UNAVAILABLE, `The ${target} service gave no data (HTTP ${response.status})`);
    return answer.data;
  }
}

const withAbort = (timeout: AbortSignal, signal?: AbortSignal) => (signal ? AbortSignal.any([timeout, signal]) : timeout);
