/**
 * The trace and span of the work a log line was written in, as pino mixes them into every line
 * (platform/logger.ts): a line found in the logs leads to its trace, and a trace to its lines.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { LoggerOptions } from 'pino';
import { tracingOn } from './state';

/** What a line outside any span gets: nothing, and no object made for it. */
const NONE = Object.freeze({});

type TraceFields = { trace_id?: string; span_id?: string };

function traceLogFields(): TraceFields {
  if (!tracingOn()) return NONE;
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return NONE;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * pino's options that add the fields. pino's own merge writes the line's fields into the object
 * the mixin returned: here that object is fresh for a line in a span, and for any other line the
 * line's own fields are used as they are (the shared empty object is never written to).
 */
export const traceLogOptions: Pick<LoggerOptions, 'mixin' | 'mixinMergeStrategy'> = {
  mixin: traceLogFields,
  mixinMergeStrategy: (mergeObject, mixinObject) => (mixinObject === NONE ? mergeObject : Object.assign(mixinObject, mergeObject)),
};
