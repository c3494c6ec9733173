/**
 * The partner API: the partner contract (gateway/contracts/) served by a second Apollo Gateway
 * over the contract's supergraph and the same subgraph data sources as /graphql. A field outside
 * the contract does not exist there at all — not through fragments, aliases, `_entities`,
 * `__type` or subscriptions — because that gateway's API schema is the contract.
 *
 * POST /partner/graphql: the API, for callers with an API key (`x-api-key`). GET
 * /partner/schema.graphql: the contract SDL for partners' developers, open to all. No WebSocket
 * is served on /partner/graphql (the contract has no subscriptions).
 */
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type Redis from 'ioredis';
import { API_KEY_HEADER } from '../platform/api-keys';
import { ErrorCode } from '../platform/errors';
import { GRAPHQL_BODY_LIMIT_BYTES, graphqlHandler, sendGraphqlError, type GraphqlGate } from '../platform/graphql-http';
import type { HttpHost } from '../platform/http';
import type { Logger } from '../platform/logger';
import { graphqlErrors } from '../platform/metrics';
import type { Viewer } from '../platform/viewer';
import { clientIp, clientKey, type TrustFunction } from './client-identity';
import { applyCors } from './cors';
import type { GatewayContext } from './data-source';
import {
  lookupAllowanceKey,
  PartnerKeysBusy,
  PartnerKeysUnavailable,
  type KeyCheck,
  type PartnerIdentity,
  type PartnerKeys,
  type RefusedKey,
  type ThrottledCheck,
} from './partner-keys';
import { countPartnerRequest, UNREAD_OPERATION } from './partner-usage';
import { createRateLimiter, type RateLimiter } from './rate-limit';
import { answerRateLimit } from './rate-limit-http';
import { PARTNER_API_SDL, PARTNER_SUPERGRAPH_SDL } from './supergraph';

export const PARTNER_ENDPOINT = '/partner/graphql';
export const PARTNER_SCHEMA_ENDPOINT = '/partner/schema.graphql';

/** The committed contract: what the partner gateway loads and what partners read. */
export interface PartnerContract {
  supergraphSdl: string;
  apiSdl: string;
}

export function readPartnerContract(): PartnerContract {
  return { supergraphSdl: fs.readFileSync(PARTNER_SUPERGRAPH_SDL, 'utf8'), apiSdl: fs.readFileSync(PARTNER_API_SDL, 'utf8') };
}

export interface PartnerRoutes {
  /** The Apollo server over the contract gateway, built like the main one (same limits and errors). */
  server: ApolloServer<GatewayContext>;
  contract: PartnerContract;
  keys: PartnerKeys;
  /** Per-partner rate limiters by requests per minute; none when the gateway's rate limits are off. */
  partnerLimits?: (requestsPerMinute: number) => RateLimiter;
  /** The gateway's per-client limiter: requests without a valid key count against their IP, so guessing keys is throttled. */
  rateLimiter?: RateLimiter;
  /** Whose X-Forwarded-For to believe for a client's IP (the gateway's trust-proxy setting). */
  trust: TrustFunction;
  log: Logger;
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
async function authenticatePartner(routes: PartnerRoutes, req: IncomingMessage, res: ServerResponse): Promise<PartnerIdentity | undefined> {
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

/**
 * Every request to the partner API passes this gate, in order: CORS, the API key (401 without a
 * valid one), the partner's own rate limit, and only then is the body read.
 */
function partnerGate(routes: PartnerRoutes): GraphqlGate<GatewayContext> {
  return async ({ req, res }) => {
    if (!applyCors(req, res)) return undefined;
    const partner = await authenticatePartner(routes, req, res);
    if (!partner) return undefined;
    if (routes.partnerLimits && !(await limitPartner(routes.partnerLimits, partner, res))) return undefined;
    return async () => ({ viewer: partnerViewer(partner), partner });
  };
}

export function servePartnerApi(host: HttpHost, routes: PartnerRoutes): void {
  host.app.get(PARTNER_SCHEMA_ENDPOINT, (_req, res) => {
    res.type('text/plain; charset=utf-8').send(routes.contract.apiSdl);
  });
  host.serveGraphql(
    PARTNER_ENDPOINT,
    graphqlHandler({ server: routes.server, gate: partnerGate(routes), bodyLimitBytes: GRAPHQL_BODY_LIMIT_BYTES, log: routes.log }),
  );
}
