/**
 * Which error codes the platform answers for and which the client caused. The SLO and the
 * subgraph alerts count only the platform's: a client that sends a bad query, no token or an
 * order for stock that is gone must not page anyone. Keyed by ErrorCode, so a new code in
 * platform/errors.ts does not compile until it is classified here.
 */
import { APOLLO_REQUEST_ERROR_CODES, ErrorCode } from '../../platform/errors';

const CAUSED_BY: Record<ErrorCode, 'client' | 'platform'> = {
  UNAUTHENTICATED: 'client',
  FORBIDDEN: 'client',
  BAD_USER_INPUT: 'client',
  NOT_FOUND: 'client',
  CONFLICT: 'client',
  INSUFFICIENT_STOCK: 'client',
  INVALID_STATE_TRANSITION: 'client',
  ORDER_EXPIRED: 'client',
  PAYMENT_DECLINED: 'client',
  LIMIT_EXCEEDED: 'client',
  RATE_LIMITED: 'client',
  SERVICE_UNAVAILABLE: 'platform',
  INTERNAL_SERVER_ERROR: 'platform',
};

/** Codes a client causes. Everything else, codes nobody listed included, counts against the platform. */
export const CLIENT_ERROR_CODES: readonly string[] = [
  ...(Object.keys(CAUSED_BY) as ErrorCode[]).filter((code) => CAUSED_BY[code] === 'client'),
  ...APOLLO_REQUEST_ERROR_CODES,
];

/** A label matcher that keeps the errors the platform answers for: `code!~"UNAUTHENTICATED|…"`. */
export const platformErrorCode = `code!~"${CLIENT_ERROR_CODES.join('|')}"`;
