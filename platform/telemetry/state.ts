/**
 * Whether this process exports spans. Code on a hot path asks this before it touches the tracing
 * API at all, so that with tracing off (no endpoint configured) a request allocates nothing for it.
 */
let exporting = false;

export function tracingOn(): boolean {
  return exporting;
}

/** Set by the SDK's start and shutdown (./sdk.ts) only. */
export function setTracingOn(on: boolean): void {
  exporting = on;
}
