/**
 * The one error vocabulary. Every error a client can see carries one of these codes in
 * `extensions.code`; services throw them through the helpers below, never ad-hoc strings.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';
import { graphqlErrors } from './metrics';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INSUFFICIENT_STOCK: 'INSUFFICIENT_STOCK',
  INVALID_STATE_TRANSITION: 'INVALID_STATE_TRANSITION',
  /** The order's stock reservation ran out before it was paid or confirmed; place the order again. */
  ORDER_EXPIRED: 'ORDER_EXPIRED',
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** The client sent more requests than its rate limit allows; `retryAfter` says in how many seconds to try again. */
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status that matches each code where a plain HTTP endpoint (not GraphQL) answers. */
export const httpStatusOf: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INSUFFICIENT_STOCK: 409,
  INVALID_STATE_TRANSITION: 409,
  ORDER_EXPIRED: 409,
  PAYMENT_DECLINED: 402,
  LIMIT_EXCEEDED: 429,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const unauthenticated = (message = 'Sign in: send Authorization: Bearer <token>') => appError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message: string) => appError(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string, id: string) => appError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`, { id });

/** A client sent a value that is well-typed but not acceptable; `field` is its path in the input. */
export const badInput = (field: string, message: string) => appError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });

/** Apollo Server's own codes for a request that is malformed: the client's doing. */
export const APOLLO_REQUEST_ERROR_CODES = [
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
] as const;

const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  ...APOLLO_REQUEST_ERROR_CODES,
]);

/** Errors we did not raise on purpose are logged in full and reach the client as a bare INTERNAL_SERVER_ERROR. */
export function maskUnexpectedErrors(log: Logger, service?: string) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
    graphqlErrors.inc({ service: service ?? 'unknown', code });
    if (CLIENT_CODES.has(code)) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: error, path: formatted.path }, 'unexpected error');
    return {
      message: 'Internal server error',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
