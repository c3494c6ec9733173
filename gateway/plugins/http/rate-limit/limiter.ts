/**
 * Per-client rate limits at the gateway (rate-limiter-flexible, fixed windows). With Redis the
 * count is shared by every gateway replica; without it, each process counts alone. A Redis outage
 * must never block or fail a request: a Redis that is not connected, errs, or is slower than
 * `redisTimeoutMs` (default 500 ms) hands the decision to an in-memory limiter of the same size, so limits
 * degrade to per-process ones until Redis answers again.
 */
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../../../platform/logger';

export interface RateLimitSettings {
  points: number;
  windowSeconds: number;
  /** A Redis decision slower than this is taken in memory instead: a hung Redis must not slow every request. */
  redisTimeoutMs?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the client's window resets (at least 1 while anything is counted). */
  resetSeconds: number;
  windowSeconds: number;
}

export interface RateLimiter {
  /** Counts one request of `key`; resolves with the decision, never rejects. */
  consume(key: string): Promise<RateLimitDecision>;
  /** Gives back one request counted for `key` (it turned out not to be what the limit is for); never rejects. */
  reward(key: string): Promise<void>;
}

export function createRateLimiter(settings: RateLimitSettings, options: { redis?: Redis; keyPrefix: string; log: Logger }): RateLimiter {
  const size = { points: settings.points, duration: settings.windowSeconds };
  const memory = new RateLimiterMemory({ ...size, keyPrefix: options.keyPrefix });
  const limiter: RateLimiterAbstract = options.redis
    ? new RLWrapperTimeouts({
        // No insurance on the inner limiter: the wrapper's insurance answers both its errors and its
        // timeouts, so a failing call never counts twice in memory.
        limiter: new RateLimiterRedis({ ...size, storeClient: options.redis, keyPrefix: options.keyPrefix, rejectIfRedisNotReady: true }),
        insuranceLimiter: memory,
        timeoutMs: settings.redisTimeoutMs ?? 500,
      })
    : memory;
  const decision = (result: RateLimiterRes, allowed: boolean): RateLimitDecision => ({
    allowed,
    limit: settings.points,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    windowSeconds: settings.windowSeconds,
  });
  return {
    async reward(key) {
      await limiter.reward(key, 1).catch((error: unknown) => options.log.warn({ err: error }, 'rate limiter reward failed'));
    },
    async consume(key) {
      try {
        return decision(await limiter.consume(key), true);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return decision(rejection, false);
        // Not expected with insurance in place; a limiter fault lets the request through.
        options.log.warn({ err: rejection }, 'rate limiter failed; request allowed');
        return {
          allowed: true,
          limit: settings.points,
          remaining: settings.points,
          resetSeconds: settings.windowSeconds,
          windowSeconds: settings.windowSeconds,
        };
      }
    },
  };
}

/** The IETF draft's RateLimit-* fields (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when refused. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    'RateLimit-Policy': `${decision.limit};w=${decision.windowSeconds}`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.resetSeconds);
  return headers;
}

export function rateLimitMessage(decision: RateLimitDecision): string {
  return `Rate limit exceeded: at most ${decision.limit} requests per ${decision.windowSeconds} s; retry in ${decision.resetSeconds} s`;
}
