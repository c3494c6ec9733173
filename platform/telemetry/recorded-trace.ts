/**
 * Whether the work running now belongs to a trace that is kept. Sampling is decided once, at the
 * root: parent-based samplers follow an unkept parent, and the ratio sampler decides on the trace
 * id, which a child shares. So a span started under an unrecorded one is never recorded either,
 * and a hot path can skip making it (and entering its context) at no loss: at a sample ratio of
 * 0.01 that is 99 requests in 100.
 */
import { trace } from '@opentelemetry/api';

export function inRecordedTrace(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}
