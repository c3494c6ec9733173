/**
 * A link attribute that asks the sampler (./sampler.ts) to keep a span with no parent exactly when a
 * span it links to was kept: the span of work done for many traces at once (an inference batch) stays in
 * each of their traces. Only the platform's own code sets it; a link a client chose never has it.
 */
export const FOLLOWS_LINK_SAMPLING = 'platform.sampling.follows_link';
