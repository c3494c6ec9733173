/**
 * The exemplar a latency observation carries: the id of the trace it was measured in, read from
 * OpenTelemetry's active span. Without a tracing SDK there is no active span and no exemplar, so
 * this costs one lookup per observation and writes nothing.
 */
import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';

export type ExemplarLabels = Readonly<Record<string, string>>;

const NONE: ExemplarLabels = Object.freeze({});

/**
 * `{ trace_id }` of the active span when its trace is sampled (an exemplar pointing at a trace
 * nobody kept would lead nowhere); no labels otherwise.
 */
export function traceExemplar(): ExemplarLabels {
  const span = trace.getActiveSpan();
  if (!span) return NONE;
  const context = span.spanContext();
  if (!isSpanContextValid(context) || (context.traceFlags & TraceFlags.SAMPLED) === 0) return NONE;
  return { trace_id: context.traceId };
}
