/**
 * The exemplar a latency observation carries: the id of the trace it was measured in, read from
 * OpenTelemetry's active span. Without a tracing SDK there is no active span and no exemplar, so
 * this costs one lookup per observation and writes nothing.
 */
import { isSpanContextValid, trace, TraceFlags, type Span } from '@opentelemetry/api';

export type ExemplarLabels = Readonly<Record<string, string>>;

const NONE: ExemplarLabels = Object.freeze({});

/**
 * `{ trace_id }` of `span` (the active span unless given) when its trace is sampled (an exemplar
 * pointing at a trace nobody kept would lead nowhere); no labels otherwise.
 */
export function traceExemplar(span: Span | undefined = trace.getActiveSpan()): ExemplarLabels {
  if (!span) return NONE;
  const context = span.spanContext();
  // The flag first: it is a bit test, and it rules out 99 observations in 100 at a ratio of 0.01.
  if ((context.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(context)) return NONE;
  return { trace_id: context.traceId };
}
