/**
 * Errors the inference server answers with. Each carries the platform error code (so a GraphQL
 * caller can map it 1:1 into `extensions.code`) and the HTTP status that code has.
 */
import { ErrorCode, httpStatusOf } from '../platform/errors';

export class InferenceError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceError';
    this.status = httpStatusOf[code];
  }
}

/** The request is wrong (names, shapes, types, ranges, unknown model or version): 400. */
export const badRequest = (message: string) => new InferenceError(ErrorCode.BAD_USER_INPUT, message);
/** The queue is full or the request waited past its timeout: 503, retry later or fall back. */
export const unavailable = (message: string) => new InferenceError(ErrorCode.SERVICE_UNAVAILABLE, message);
/** The server already holds as many requests as it takes (INFERENCE_MAX_IN_FLIGHT): 429, retry after a moment. */
export const tooBusy = (message: string) => new InferenceError(ErrorCode.RATE_LIMITED, message);
/** Our fault: the message is logged with a request id, and callers see only the id (see masked-errors.ts). */
export const internal = (message: string) => new InferenceError(ErrorCode.INTERNAL_SERVER_ERROR, message);

/** Thrown by a batcher that has been retired by a version swap; the caller re-resolves the version. */
export class RetiredError extends Error {
  constructor() {
    super('model version was retired');
    this.name = 'RetiredError';
  }
}
