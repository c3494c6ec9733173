/**
 * Which partner an `x-api-key` identifies. The gateway holds no key data: it asks the users
 * subgraph (the internal, @inaccessible `partnerByApiKey`, with claims signed as a service) and
 * remembers each answer, accepted or refused, for `cacheTtlMs` — so a revoked key is refused
 * within that long, and a key's rotation grace ends no later than its expiresAt. A lookup slower
 * than `timeoutMs`, or a users subgraph that is down, is PartnerKeysUnavailable, never a hang.
 */
import { LRUCache } from 'lru-cache';
import { apiKeyPrefix, hashApiKey } from '../platform/api-keys';
import { claimsHeaders } from '../platform/forwarded-claims';
import type { Logger } from '../platform/logger';

export interface PartnerIdentity {
  id: string;
  name: string;
  /** The service-account user the partner acts as. */
  userId: string;
  requestsPerMinute: number;
  costBudget: number;
}

export type RefusedKey = 'missing' | 'unknown' | 'revoked' | 'expired';

export type KeyCheck = { outcome: 'valid'; partner: PartnerIdentity } | { outcome: RefusedKey };

export class PartnerKeysUnavailable extends Error {}

export interface PartnerKeys {
  /** The partner of `key` (the header as sent), or why it is refused; throws PartnerKeysUnavailable. */
  check(key: string | undefined): Promise<KeyCheck>;
}

export interface PartnerKeysOptions {
  /** The users subgraph's GraphQL URL. */
  usersUrl: string;
  internalSecret: string;
  cacheTtlMs: number;
  timeoutMs: number;
  log: Logger;
}

const QUERY = `query PartnerByApiKey($key: String!) {
  partnerByApiKey(key: $key) { outcome partnerId partnerName userId requestsPerMinute costBudget expiresAt }
}`;

interface Answer {
  data?: {
    partnerByApiKey?: {
      outcome: string;
      partnerId: string | null;
      partnerName: string | null;
      userId: string | null;
      requestsPerMinute: number | null;
      costBudget: number | null;
      expiresAt: string | null;
    } | null;
  } | null;
  errors?: { message: string }[];
}

const SERVICE_VIEWER = { roles: ['service' as const] };
/** Keys remembered at once; a flood of distinct made-up keys evicts the oldest answers, nothing more. */
const CACHE_ENTRIES = 10_000;

export function createPartnerKeys(options: PartnerKeysOptions): PartnerKeys {
  // Keyed by the key's hash: the gateway's memory holds no usable key.
  const cache = new LRUCache<string, KeyCheck>({ max: CACHE_ENTRIES });
  const inFlight = new Map<string, Promise<KeyCheck>>();

  async function lookUp(key: string): Promise<{ check: KeyCheck; ttlMs: number }> {
    const body = JSON.stringify({ query: QUERY, variables: { key } });
    let answer: Answer;
    try {
      const headers = await claimsHeaders(SERVICE_VIEWER, { secret: options.internalSecret, issuer: 'gateway', audience: 'users', body });
      const response = await fetch(options.usersUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      answer = (await response.json()) as Answer;
    } catch (error) {
      options.log.warn({ err: error }, 'partner key check failed: the users service did not answer');
      throw new PartnerKeysUnavailable(`the users service did not answer: ${(error as Error).message}`, { cause: error });
    }
    const found = answer.data?.partnerByApiKey;
    if (!found) throw new PartnerKeysUnavailable(`the users service refused the key check: ${answer.errors?.[0]?.message ?? 'no data'}`);
    if (found.outcome === 'revoked' || found.outcome === 'expired' || found.outcome === 'unknown') {
      return { check: { outcome: found.outcome }, ttlMs: options.cacheTtlMs };
    }
    const partner: PartnerIdentity = {
      id: found.partnerId!,
      name: found.partnerName!,
      userId: found.userId!,
      requestsPerMinute: found.requestsPerMinute!,
      costBudget: found.costBudget!,
    };
    // A rotated key is remembered no longer than it is valid.
    const untilExpiry = found.expiresAt ? Date.parse(found.expiresAt) - Date.now() : Infinity;
    if (untilExpiry <= 0) return { check: { outcome: 'expired' }, ttlMs: options.cacheTtlMs };
    return { check: { outcome: 'valid', partner }, ttlMs: Math.min(options.cacheTtlMs, untilExpiry) };
  }

  return {
    async check(key) {
      if (key === undefined || key === '') return { outcome: 'missing' };
      // A string that cannot be a key costs no lookup.
      if (!apiKeyPrefix(key)) return { outcome: 'unknown' };
      const id = hashApiKey(key);
      const cached = cache.get(id);
      if (cached) return cached;
      let pending = inFlight.get(id);
      if (!pending) {
        // Concurrent requests with one uncached key share one lookup.
        pending = lookUp(key)
          .then(({ check, ttlMs }) => {
            cache.set(id, check, { ttl: Math.max(1, ttlMs) });
            return check;
          })
          .finally(() => inFlight.delete(id));
        inFlight.set(id, pending);
      }
      return pending;
    },
  };
}
