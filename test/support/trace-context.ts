/**
 * A span in the active context without a tracing SDK, for tests of what reads the active span
 * (exemplars): OpenTelemetry's API with a context manager over AsyncLocalStorage, which is what
 * the SDK's own context manager does, and span contexts made from fixed ids. Install it before the
 * code under test runs and uninstall it after.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context, type ContextManager } from '@opentelemetry/api';

const storage = new AsyncLocalStorage<Context>();

const manager: ContextManager = {
  active: () => storage.getStore() ?? ROOT_CONTEXT,
  with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
  bind: (_ctx, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
};

export function installTestContext(): void {
  context.setGlobalContextManager(manager);
}

export function uninstallTestContext(): void {
  context.disable();
}

/** A span context with these ids (sampled unless told otherwise), as an SDK would make for a traced request. */
function spanContext(traceId: string, sampled = true): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: traceId.slice(0, 16),
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}

/** Runs `fn` with a span of `traceId` active. */
export const withTrace = <T>(traceId: string, fn: () => T): T => context.with(spanContext(traceId), fn);

/** Makes a span of `traceId` active for the rest of the current asynchronous flow (an HTTP request's, from a hook inside it). */
export function enterTrace(traceId: string): void {
  storage.enterWith(spanContext(traceId));
}
