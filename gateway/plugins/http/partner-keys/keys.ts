/**
 * Which partner an `x-api-key` identifies. The gateway holds no key data: it asks the users
 * subgraph (the internal, @inaccessible `partnerByApiKey`, with claims signed as a service) and
 * remembers each answer, accepted or refused, for `cacheTtlMs` — so a revoked key is refused
 * within that long, and a key's rotation grace ends no later than its expiresAt. A lookup slower
 * than `timeoutMs`, or a users subgraph that is down, is PartnerKeysUnavailable, never a hang.
 *
 * A flood of made-up keys must cost the users subgraph little and evict nobody's live key: a key
 * not remembered here is looked up only while its client address is under `lookupLimiter` (keys
 * that turn out valid are given back, so partners never use it up); refusals live in a bounded map
 * of their own, apart from valid keys; and at most `maxConcurrentLookups` lookups of keys not
 * known to be valid run at once, beyond which a check fails at once with PartnerKeysBusy. The
 * re-check of a key that was valid when last asked is neither throttled nor capped (there are as
 * many as there are live keys, each at most once per TTL), so no flood delays a partner.
 */
import net from 'node:net';
import { LRUCache } from 'lru-cache';
import { apiKeyPrefix, hashApiKey } from '../../../../platform/api-keys';
import { askUsersService, type UsersAnswer } from '../users-service';
import type { Logger } from '../../../../platform/logger';
import type { RateLimitDecision, RateLimiter } from '../rate-limit/limiter';
import type { PartnerIdentity } from '../../../pipeline/request-state';

export type { PartnerIdentity };

export type RefusedKey = 'missing' | 'unknown' | 'revoked' | 'expired';

export type KeyCheck = { outcome: 'valid'; partner: PartnerIdentity } | { outcome: RefusedKey };

/** The client's address asked about too many unknown keys: no lookup was made. */
export type ThrottledCheck = { outcome: 'throttled'; decision: RateLimitDecision };

export class PartnerKeysUnavailable extends Error {}

/** Too many lookups already in flight: refused at once rather than queued. */
export class PartnerKeysBusy extends PartnerKeysUnavailable {}

export interface PartnerKeys {
  /**
   * The partner of `key` (the header as sent) from `client` (the address its lookups count
   * against), or why it is refused; throws PartnerKeysUnavailable (PartnerKeysBusy included).
   */
  check(key: string | undefined, client: string): Promise<KeyCheck | ThrottledCheck>;
}

export interface PartnerKeysOptions {
  /** The users subgraph's GraphQL URL. */
  usersUrl: string;
  internalSecret: string;
  cacheTtlMs: number;
  timeoutMs: number;
  /** Counts lookups of keys not remembered here, per client address; none: unthrottled. */
  lookupLimiter?: RateLimiter;
  /** Lookups in flight at once. */
  maxConcurrentLookups: number;
  /** Refused keys remembered at once (default REFUSALS_REMEMBERED). */
  maxRefusals?: number;
  log: Logger;
}

const QUERY = `query PartnerByApiKey($key: String!) {
  partnerByApiKey(key: $key) { outcome partnerId partnerName userId requestsPerMinute costBudget expiresAt }
}`;

interface Answer {
  partnerByApiKey?: {
    outcome: string;
    partnerId: string | null;
    partnerName: string | null;
    userId: string | null;
    requestsPerMinute: number | null;
    costBudget: number | null;
    expiresAt: string | null;
  } | null;
}

/**
 * Whose lookup allowance a client address spends: the address itself for IPv4 (IPv4-mapped IPv6
 * included), its /64 for IPv6 — one subscriber's share, in which it may pick any of 2^64 addresses.
 */
export function lookupAllowanceKey(ip: string): string {
  if (net.isIP(ip) !== 6) return `ip:${ip}`;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  const [head, tail] = ip.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  // A trailing dotted quad is two groups; only the first four groups matter here.
  const after = groups(tail).flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const before = groups(head);
  const all = tail === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `ip6:${all
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** Valid keys remembered at once: only lookups that found a partner enter, so no flood evicts them. */
const VALID_KEYS_REMEMBERED = 10_000;
/** Refused keys remembered at once; a flood of made-up keys evicts only older refusals. */
export const REFUSALS_REMEMBERED = 10_000;

export function createPartnerKeys(options: PartnerKeysOptions): PartnerKeys {
  // Keyed by the key's hash: the gateway's memory holds no usable key.
  // Past their TTL, valid answers are kept (not used) to recognise a partner's re-check.
  const valid = new LRUCache<string, KeyCheck>({ max: VALID_KEYS_REMEMBERED, noDeleteOnStaleGet: true });
  const refused = new LRUCache<string, KeyCheck>({ max: options.maxRefusals ?? REFUSALS_REMEMBERED });
  const inFlight = new Map<string, Promise<KeyCheck>>();

  async function lookUp(key: string): Promise<{ check: KeyCheck; ttlMs: number }> {
    let answer: UsersAnswer<Answer>;
    try {
      answer = await askUsersService<Answer>(options, QUERY, { key });
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

  function remember(id: string, check: KeyCheck, ttlMs: number): void {
    if (check.outcome !== 'valid') valid.delete(id);
    (check.outcome === 'valid' ? valid : refused).set(id, check, { ttl: Math.max(1, ttlMs) });
  }

  return {
    async check(key, client) {
      if (key === undefined || key === '') return { outcome: 'missing' };
      // A string that cannot be a key costs no lookup.
      if (!apiKeyPrefix(key)) return { outcome: 'unknown' };
      const id = hashApiKey(key);
      const cached = valid.get(id) ?? refused.get(id);
      if (cached) return cached;
      // Concurrent requests with one uncached key share one lookup, whoever sent them.
      const shared = inFlight.get(id);
      if (shared) return shared;
      const recheck = valid.peek(id, { allowStale: true }) !== undefined;
      const limiter = recheck ? undefined : options.lookupLimiter;
      if (limiter) {
        const decision = await limiter.consume(client);
        if (!decision.allowed) return { outcome: 'throttled', decision };
        const raced = inFlight.get(id);
        if (raced) {
          await limiter.reward(client);
          return raced;
        }
      }
      if (!recheck && inFlight.size >= options.maxConcurrentLookups) {
        // Nothing was asked: the client's lookup allowance is not spent on it.
        await limiter?.reward(client);
        throw new PartnerKeysBusy(`${options.maxConcurrentLookups} API key checks are already in progress`);
      }
      const pending = lookUp(key)
        .then(({ check, ttlMs }) => {
          remember(id, check, ttlMs);
          return check;
        })
        .finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
      const check = await pending;
      // The allowance is for keys that are not valid: a partner's own re-checks never use it up.
      if (check.outcome === 'valid') await limiter?.reward(client);
      return check;
    },
  };
}
