/** The sampler: the specification's choices, and the links that carry a decision (a batch, an event's handling). */
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Link } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-base';
import { FOLLOWS_LINK_SAMPLING } from './links';
import { samplerOf } from './sampler';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const request = (sampled: boolean, followed = true): Link => ({
  context: { traceId: TRACE, spanId: 'b7ad6b7169203331', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE },
  attributes: followed ? { [FOLLOWS_LINK_SAMPLING]: true } : {},
});
const decide = (sampler: ReturnType<typeof samplerOf>, links: Link[], parent = ROOT_CONTEXT) =>
  sampler.shouldSample(parent, 'ffffffffffffffffffffffffffffffff', 'inference.batch', SpanKind.INTERNAL, {}, links).decision;

describe('sampling', () => {
  // A ratio of 0 keeps no root on its own: whatever is kept here, a link kept it.
  const none = samplerOf({ sampler: 'parentbased_traceidratio', samplerRatio: 0 });
  const all = samplerOf({ sampler: 'parentbased_always_on', samplerRatio: 1 });

  it('keeps a parentless span that follows links exactly when one of them was kept', () => {
    expect(decide(none, [request(false), request(true)])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(all, [request(false), request(false)])).toBe(SamplingDecision.NOT_RECORD);
  });

  it('lets links nobody marked (a client’s traceparent at the edge) decide nothing', () => {
    expect(decide(none, [request(true, false)])).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(all, [request(false, false)])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('follows the parent, not the links, when there is one', () => {
    const unsampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: TRACE,
      spanId: 'a7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    expect(decide(all, [request(true)], unsampledParent)).toBe(SamplingDecision.NOT_RECORD);
  });

  it('reads the specification’s samplers', () => {
    expect(decide(samplerOf({ sampler: 'always_off', samplerRatio: 1 }), [])).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(samplerOf({ sampler: 'traceidratio', samplerRatio: 1 }), [])).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(none, [])).toBe(SamplingDecision.NOT_RECORD);
  });
});
