/**
 * In-flight deduplication of identical subgraph fetches, as Apollo Router's and Hive Gateway's:
 * while a fetch for a client's query is on its way, an identical one (./key.ts: same subgraph,
 * body, viewer and headers) waits for its answer instead of being sent. Listed after the entity
 * cache (only its misses are sent, so only they are shared) and just before claim signing, so a
 * shared fetch is signed and sent once.
 *
 * - Nothing is kept: the entry leaves when its fetch settles, and a fetch asked for after that is
 *   sent again.
 * - Each waiter gets its own copy of the answer (copyOfSubgraphResult): Apollo's executor merges
 *   answers into its response objects, so two requests must never hold one object. The first
 *   fetch keeps the original, which nothing else holds.
 * - A failure is every waiter's failure, each with its own copy of the error: the steps outside
 *   (plugins/subgraph-fetch/unavailable-errors) map it for each fetch as if it had failed alone.
 * - A waiter never waits longer than its own fetch could take: all fetches from one subgraph go
 *   through one data source with one timeout, and the shared fetch started first.
 * - Shared answers carry outcome.deduplicated: the entity cache does not store them (the first
 *   fetch stores the same entries), and tracing marks the fetch's span.
 * - Apollo reads a subgraph's Cache-Control into the sending request's cache policy only; the
 *   gateway turns cache control off (server.ts), so no client's answer differs for it.
 */
import type { GatewayPlugin, SubgraphResult } from '../../../pipeline/plugin';
import { copyOfSubgraphResult } from '../../../pipeline/apollo-adapter';
import { fetchIdentity } from './key';
import { deduplicatedFetches } from './metrics';

interface Waiter {
  resolve(result: SubgraphResult): void;
  reject(error: unknown): void;
}

/** A fetch on its way that others wait on. */
interface Shared {
  body: string;
  waiters: Waiter[];
}

export interface FetchDedupOptions {
  /** Changes whenever the gateway learns that data changed (the entity cache's epoch): fetches of different generations are never shared. */
  generation?: () => number;
}

export function fetchDedupPlugin({ generation }: FetchDedupOptions = {}): GatewayPlugin {
  /** Fetches in flight, by bucket (./key.ts); per plugin, so per gateway (there a subgraph name means one URL). */
  const inFlight = new Map<string, Shared[]>();
  const leave = (bucket: string, shared: Shared) => {
    const same = inFlight.get(bucket)!;
    if (same.length === 1) inFlight.delete(bucket);
    else same.splice(same.indexOf(shared), 1);
  };
  return {
    name: 'fetch-dedup',
    async onSubgraphFetch(fetch, next) {
      const identity = fetchIdentity(fetch, generation?.());
      if (identity === undefined) return next(fetch);
      const { bucket, body } = identity;
      const same = inFlight.get(bucket);
      const leading = same?.find((shared) => shared.body === body);
      if (leading) {
        deduplicatedFetches.inc({ subgraph: fetch.subgraph });
        fetch.outcome.deduplicated = true;
        return new Promise<SubgraphResult>((resolve, reject) => leading.waiters.push({ resolve, reject }));
      }
      const shared: Shared = { body, waiters: [] };
      if (same) same.push(shared);
      else inFlight.set(bucket, [shared]);
      let result: SubgraphResult;
      try {
        result = await next(fetch);
      } catch (error) {
        leave(bucket, shared);
        for (const waiter of shared.waiters) waiter.reject(copyOfError(error));
        throw error;
      }
      leave(bucket, shared);
      // Copied now, before this fetch's own request goes on to merge the original into its response.
      for (const waiter of shared.waiters) {
        try {
          waiter.resolve(copyOfSubgraphResult(result));
        } catch (error) {
          waiter.reject(error); // never left waiting
        }
      }
      return result;
    },
  };
}

/**
 * An error of the same class with the same own properties (message, stack, code, extensions, …),
 * and its `extensions` copied one level: every check (`instanceof`, `name`, `code`, the HTTP
 * status) reads it as the original, and a request that edits its errors (onErrors hooks edit
 * messages) edits its own.
 */
export function copyOfError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as Error & {
    extensions?: unknown;
  };
  const extensions = Object.getOwnPropertyDescriptor(copy, 'extensions');
  if (extensions?.writable && typeof extensions.value === 'object' && extensions.value !== null) {
    Object.defineProperty(copy, 'extensions', { ...extensions, value: { ...(extensions.value as object) } });
  }
  return copy;
}
