/**
 * Background polls between services (a gateway asking the users service for erased subjects
 * every few seconds) are not anyone's operation: traced, each would be a root trace of its own in
 * the callee, a steady stream of noise. A `traceparent` whose sampled flag is off tells the
 * callee's parent-based sampler that the caller decided not to keep it, so nothing is recorded
 * there either. Fresh ids each time: an id shared by every poll would merge them into one trace
 * wherever a backend keeps unsampled spans.
 */
import crypto from 'node:crypto';

export function unsampledTraceparent(): string {
  return `00-${crypto.randomBytes(16).toString('hex')}-${crypto.randomBytes(8).toString('hex')}-00`;
}
