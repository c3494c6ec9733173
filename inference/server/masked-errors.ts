/**
 * What a caller may read of an error. Our own refusals (bad request, busy, overloaded) name the
 * problem so the caller can fix or retry; anything else — a model execution failure, a file the
 * repository lost, a bug — says only "internal error" and a request id, while the log line with
 * the same id holds the message and stack. Internal messages carry paths, onnxruntime internals
 * and input names of other callers' batches: nothing an outsider should read.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger';
import { ErrorCode } from '../../platform/errors';
import { InferenceError } from '../errors';

export interface PublicError {
  status: number;
  code: ErrorCode;
  message: string;
  /** Set for internal errors: the id of the log line that has the details. */
  requestId?: string;
}

export function publicError(error: unknown, logger: Logger, context: Record<string, unknown>): PublicError {
  if (error instanceof InferenceError && error.status < 500) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof InferenceError && error.code === ErrorCode.SERVICE_UNAVAILABLE) {
    return { status: error.status, code: error.code, message: error.message };
  }
  const requestId = randomUUID();
  logger.error({ err: error, request_id: requestId, ...context }, 'inference request failed');
  return { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: `internal error (request id ${requestId})`, requestId };
}
