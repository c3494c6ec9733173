/** Which spans are kept: the specification's samplers, and links that carry a decision (./links.ts). */
import { trace, TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config';
import { FOLLOWS_LINK_SAMPLING } from './links';

/** OTEL_TRACES_SAMPLER and its argument, as the specification defines them, following marked links (below). */
export function samplerOf(config: Pick<TelemetryConfig, 'sampler' | 'samplerRatio'>): Sampler {
  return new LinkFollowingSampler(specifiedSampler(config));
}

function specifiedSampler(config: Pick<TelemetryConfig, 'sampler' | 'samplerRatio'>): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * A span with no parent that links with FOLLOWS_LINK_SAMPLING (an inference batch, linked to each
 * request it merged; an event's handling, linked to the mutation) is kept exactly when any span it
 * links to was kept: sampled on its own trace id instead, a batch would be lost from the traces of
 * the requests it served, or kept with none of them. Links a client chose (the gateway's `link`
 * policy) do not carry the attribute, so a client cannot force sampling with them.
 */
class LinkFollowingSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const [parentContext, , , , , links] = args;
    const followed = trace.getSpanContext(parentContext) ? [] : links.filter((link) => link.attributes?.[FOLLOWS_LINK_SAMPLING] === true);
    if (followed.length > 0) {
      const kept = followed.some((link) => (link.context.traceFlags & TraceFlags.SAMPLED) !== 0);
      return { decision: kept ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
    }
    return this.inner.shouldSample(...args);
  }

  toString(): string {
    return `LinkFollowing{${this.inner.toString()}}`;
  }
}
