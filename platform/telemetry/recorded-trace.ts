/**
 * Whether the work running now belongs to a trace that is kept. Sampling is decided once, at the
 * root: parent-based samplers follow an unkept parent, and the ratio sampler decides on the trace
 * id, which a child shares. So a span started under one of an unkept trace is never recorded
 * either, and a hot path can skip making it (and entering its context) at no loss: at a sample
 * ratio of 0.01 that is 99 requests in 100. The sampled flag decides, not whether the active span
 * records: a library span left out of a kept trace (./sdk.ts) is a stand-in that records nothing.
 */
import { trace, TraceFlags, type Span } from '@opentelemetry/api';

/** Whether `span`'s trace is kept (its sampled flag). */
export function isKept(span: Span | undefined): span is Span {
  return span !== undefined && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

export function inRecordedTrace(): boolean {
  return isKept(trace.getActiveSpan());
}
