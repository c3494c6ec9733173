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
 */
import type { GatewayPlugin, SubgraphResult } from '../../../pipeline/plugin';
import { copyOfSubgraphResult } from '../../../pipeline/apollo-adapter';
import { fetchKey } from './key';
import { deduplicatedFetches } from './metrics';

interface Waiter {
  resolve(result: SubgraphResult): void;
  reject(error: unknown): void;
}

export interface FetchDedupOptions {
  /** Changes whenever the gateway learns that data changed (the entity cache's epoch): fetches of different generations are never shared. */
  generation?: () => number;
}

export function fetchDedupPlugin({ generation }: FetchDedupOptions = {}): GatewayPlugin {
  /** Fetches in flight that others wait on, by key; per plugin, so per gateway (subgraph names mean one URL each there). */
  const inFlight = new Map<string, Waiter[]>();
  return {
    name: 'fetch-dedup',
    async onSubgraphFetch(fetch, next) {
      const key = fetchKey(fetch, generation?.());
      if (key === undefined) return next(fetch);
      const waiting = inFlight.get(key);
      if (waiting) {
        deduplicatedFetches.inc({ subgraph: fetch.subgraph });
        fetch.outcome.deduplicated = true;
        return new Promise<SubgraphResult>((resolve, reject) => waiting.push({ resolve, reject }));
      }
      const waiters: Waiter[] = [];
      inFlight.set(key, waiters);
      let result: SubgraphResult;
      try {
        result = await next(fetch);
      } catch (error) {
        inFlight.delete(key);
        for (const waiter of waiters) waiter.reject(copyOfError(error));
        throw error;
      }
      inFlight.delete(key);
      // Copied now, before this fetch's own request goes on to merge the original into its response.
      for (const waiter of waiters) waiter.resolve(copyOfSubgraphResult(result));
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
