/**
 * When two subgraph fetches are the same fetch: everything the subgraph sees of the request and of
 * its caller is equal. That is the subgraph, the exact body (query, variables, operationName,
 * extensions, as subgraphRequestBody serialises it and claim signing signs it), the viewer as the
 * signed claims carry it (user id and roles; plugins/subgraph-fetch/claim-signing.ts) and every
 * header the fetch carries by then (an operator's plugins add theirs), save the W3C trace context.
 * `traceparent`/`tracestate` name the client request's trace, never its caller, and differ on
 * every request: keyed on, no fetch would ever be shared while tracing is on. (Apollo Router keys
 * on the headers it sends too; it injects the trace context below its deduplication.)
 */
import { subgraphRequestBody } from '../../../pipeline/apollo-adapter';
import type { SubgraphFetch } from '../../../pipeline/plugin';

const TRACE_CONTEXT = new Set(['traceparent', 'tracestate']);

/** Characters of the body's start and end the bucket holds: enough to tell apart most fetches in flight together. */
const ENDS = 64;

/**
 * Who a fetch is, in two parts: fetches are the same fetch exactly when both are equal. The bucket
 * is cheap to hash (V8 hashes a Map key whole, and hashing a 10 KB body cost ten times the rest of
 * the step); the body is compared only within a bucket, where equal strings compare by memcmp.
 */
export interface FetchIdentity {
  /** Everything the subgraph sees but the body, and the body's length, start and end. */
  bucket: string;
  /** The exact body sent (and signed). */
  body: string;
}

/**
 * The fetch's identity, or undefined for a fetch that must never be shared: only fetches for a
 * client's query are (a mutation's fetches change or follow a change; a subscription's complete
 * one event each; health checks and schema loading answer no client). `generation` changes
 * whenever the gateway learns that data changed (the entity cache's announcements): a fetch
 * started before a change is never shared with one asked for after it.
 */
export function fetchIdentity(fetch: SubgraphFetch, generation = 0): FetchIdentity | undefined {
  if (fetch.kind !== 'operation' || fetch.operation?.type !== 'query') return undefined;
  // As claim signing reads it (a fetch for a client always carries the client's state).
  const viewer = fetch.state?.viewer ?? { roles: [] };
  const headers: string[] = [];
  for (const name of Object.keys(fetch.headers)) {
    if (!TRACE_CONTEXT.has(name.toLowerCase())) headers.push(name, fetch.headers[name]);
  }
  const body = subgraphRequestBody(fetch.request);
  // JSON never writes a raw line break, so the first one ends the caller's part: no header can pass for another.
  const caller = JSON.stringify([generation, fetch.subgraph, viewer.userId ?? null, [...viewer.roles].sort(), headers]);
  return { bucket: `${caller}\n${body.length}\n${body.slice(0, ENDS)}\n${body.slice(-ENDS)}`, body };
}
