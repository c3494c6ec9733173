/**
 * The rate limit on the gateway's HTTP GraphQL endpoints: every answer carries the client's
 * RateLimit-* headers; over the limit the answer is 429 with Retry-After and a GraphQL error
 * RATE_LIMITED, before the request body is even read.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../../../platform/errors';
import { sendGraphqlError } from '../../../../platform/graphql-http';
import { graphqlErrors, rateLimitRejections } from '../../../../platform/metrics';
import { rateLimitHeaders, rateLimitMessage, type RateLimitDecision } from './limiter';

/** Sets the decision's headers, and answers 429 when it refuses; true when the request may go on. */
export function answerRateLimit(decision: RateLimitDecision, res: ServerResponse): boolean {
  for (const [name, value] of Object.entries(rateLimitHeaders(decision))) res.setHeader(name, value);
  if (decision.allowed) return true;
  rateLimitRejections.inc({ transport: 'http' });
  graphqlErrors.inc({ service: 'gateway', code: ErrorCode.RATE_LIMITED });
  sendGraphqlError(res, 429, rateLimitMessage(decision), { code: ErrorCode.RATE_LIMITED, retryAfter: decision.resetSeconds });
  return false;
}
