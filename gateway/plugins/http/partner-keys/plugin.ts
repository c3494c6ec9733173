/**
 * The partner API's HTTP steps: the API key (401 without a valid one, 503 while keys cannot be
 * checked), then the partner's own rate limit, before the body is read. The request then runs as
 * the partner's service-account user.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Redis from 'ioredis';
import { API_KEY_HEADER } from '../../../../platform/api-keys';
import { ErrorCode } from '../../../../platform/errors';
import { sendGraphqlError } from '../../../../platform/graphql-http';
import type { Logger } from '../../../../platform/logger';
import { graphqlErrors } from '../../../../platform/metrics';
import type { Viewer } from '../../../../platform/viewer';
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { countPartnerRequest, UNREAD_OPERATION } from '../../operation/partner-usage';
import { clientIp, clientKey, type TrustFunction } from '../client-identity';
import { answerRateLimit } from '../rate-limit/answer';
import { createRateLimiter, type RateLimiter } from '../rate-limit/limiter';
import {
  lookupAllowanceKey,
  PartnerKeysBusy,
  PartnerKeysUnavailable,
  type KeyCheck,
  type PartnerIdentity,
  type PartnerKeys,
  type RefusedKey,
  type ThrottledCheck,
} from './keys';

export interface PartnerKeyChecks {
  keys: PartnerKeys;
  /** The gateway's per-client limiter: requests without a valid key count against their IP, so guessing keys is throttled. */
  rateLimiter?: RateLimiter;
  /** Whose X-Forwarded-For to believe for a client's IP (the gateway's trust-proxy setting). */
  trust: TrustFunction;
}

const REFUSALS: Record<RefusedKey, string> = {
  missing: `Send your partner API key in the ${API_KEY_HEADER} header`,
  unknown: 'The API key is not valid',
  revoked: 'The API key has been revoked',
  expired: 'The API key has expired (it was rotated and its grace period is over); use the new key',
};

/**
 * A partner acts as its service-account user: it sees that user's orders and nobody else's. The
 * 'partner' role (only this endpoint gives it) lets it confirm its orders on account.
 */
const partnerViewer = (partner: PartnerIdentity): Viewer => ({ userId: partner.userId, roles: ['customer', 'partner'] });

/**
 * The partner behind a request's API key; answers 401/429/503 and resolves undefined otherwise.
 * Key guesses are throttled by IP twice: a key not known here is looked up only while the
 * address is under its lookup allowance (429 before any lookup beyond it), and every refused key
 * counts against the address's request limit too.
 */
async function authenticatePartner(
  routes: PartnerKeyChecks,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<PartnerIdentity | undefined> {
  const header = req.headers[API_KEY_HEADER];
  const ip = clientIp(req, routes.trust);
  const client = clientKey(undefined, ip);
  let check: KeyCheck | ThrottledCheck;
  try {
    check = await routes.keys.check(Array.isArray(header) ? header[0] : header, lookupAllowanceKey(ip));
  } catch (error) {
    if (!(error instanceof PartnerKeysUnavailable)) throw error;
    countPartnerRequest('unknown', UNREAD_OPERATION, 'unavailable');
    graphqlErrors.inc({ service: 'gateway', code: ErrorCode.SERVICE_UNAVAILABLE });
    res.setHeader('Retry-After', '1');
    const message =
      error instanceof PartnerKeysBusy
        ? 'Too many API key checks are in progress; retry shortly'
        : 'API keys cannot be checked right now; retry shortly';
    sendGraphqlError(res, 503, message, { code: ErrorCode.SERVICE_UNAVAILABLE });
    return undefined;
  }
  if (check.outcome === 'valid') return check.partner;
  if (check.outcome === 'throttled') {
    countPartnerRequest('unknown', UNREAD_OPERATION, 'rate_limited');
    answerRateLimit(check.decision, res);
    return undefined;
  }
  countPartnerRequest('unknown', UNREAD_OPERATION, 'unauthenticated');
  if (routes.rateLimiter && !answerRateLimit(await routes.rateLimiter.consume(client), res)) return undefined;
  graphqlErrors.inc({ service: 'gateway', code: ErrorCode.UNAUTHENTICATED });
  sendGraphqlError(res, 401, REFUSALS[check.outcome], { code: ErrorCode.UNAUTHENTICATED });
  return undefined;
}

/** The partner's own rate limit; false when it answered 429. */
async function limitPartner(limiterFor: (requestsPerMinute: number) => RateLimiter, partner: PartnerIdentity, res: ServerResponse) {
  const decision = await limiterFor(partner.requestsPerMinute).consume(`partner:${partner.id}`);
  const allowed = answerRateLimit(decision, res);
  if (!allowed) countPartnerRequest(partner.name, UNREAD_OPERATION, 'rate_limited');
  return allowed;
}

/**
 * Each partner's rate limit: one limiter per distinct requests-per-minute (partners' settings are
 * few), each counting under its own key prefix, so a changed setting starts a fresh window.
 */
export function partnerRateLimiters(options: {
  redis?: Redis;
  keyPrefix: string;
  redisTimeoutMs?: number;
  log: Logger;
}): (requestsPerMinute: number) => RateLimiter {
  const limiters = new Map<number, RateLimiter>();
  return (requestsPerMinute) => {
    let limiter = limiters.get(requestsPerMinute);
    if (!limiter) {
      limiter = createRateLimiter(
        { points: requestsPerMinute, windowSeconds: 60, redisTimeoutMs: options.redisTimeoutMs },
        { redis: options.redis, keyPrefix: `${options.keyPrefix}:${requestsPerMinute}`, log: options.log },
      );
      limiters.set(requestsPerMinute, limiter);
    }
    return limiter;
  };
}

/** The API key of every request: the partner and its service-account viewer go into the request's state. */
export function partnerKeyPlugin(checks: PartnerKeyChecks): GatewayPlugin {
  return {
    name: 'partner-keys',
    async onHttpRequest({ req, res, state }) {
      const partner = await authenticatePartner(checks, req, res);
      if (!partner) return false;
      state.partner = partner;
      state.viewer = partnerViewer(partner);
      return true;
    },
  };
}

/** Each partner's own rate limit (by its requests per minute). */
export function partnerRateLimitPlugin(limiterFor: (requestsPerMinute: number) => RateLimiter): GatewayPlugin {
  return {
    name: 'partner-rate-limit',
    async onHttpRequest({ res, state }) {
      return state.partner ? limitPartner(limiterFor, state.partner, res) : true;
    },
  };
}
