/**
 * The rate limit on the gateway's HTTP GraphQL endpoint: every answer carries the client's
 * RateLimit-* headers; over the limit the answer is 429 with Retry-After and a GraphQL error
 * RATE_LIMITED, before the request body is even read.
 */
import type { NextFunction, RequestHandler, Response } from 'express';
import { ErrorCode } from '../platform/errors';
import { sendGraphqlError } from '../platform/http';
import { graphqlErrors, rateLimitRejections } from '../platform/metrics';
import { clientKey } from './client-identity';
import { rateLimitHeaders, rateLimitMessage, type RateLimitDecision, type RateLimiter } from './rate-limit';
import { verifiedViewer } from './request-auth';

export function rateLimitRequests(limiter: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    answerRateLimit(await limiter.consume(clientKey(verifiedViewer(res), req.ip)), res, next);
  };
}

/** Sets the decision's headers, then passes the request on, or answers 429; true when it passed. */
export function answerRateLimit(decision: RateLimitDecision, res: Response, next: NextFunction): boolean {
  res.set(rateLimitHeaders(decision));
  if (decision.allowed) {
    next();
    return true;
  }
  rateLimitRejections.inc({ transport: 'http' });
  graphqlErrors.inc({ service: 'gateway', code: ErrorCode.RATE_LIMITED });
  sendGraphqlError(res, 429, rateLimitMessage(decision), { code: ErrorCode.RATE_LIMITED, retryAfter: decision.resetSeconds });
  return false;
}
