/**
 * The trace and span of the work a log line was written in, as pino mixes them into every line
 * (platform/logger.ts): a line found in the logs leads to its trace, and a trace to its lines.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { tracingOn } from './state';

const NONE = Object.freeze({});

export function traceLogFields(): { trace_id?: string; span_id?: string } {
  if (!tracingOn()) return NONE;
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return NONE;
  const { traceId, spanId } = spanContext;
  return { trace_id: traceId, span_id: spanId };
}
