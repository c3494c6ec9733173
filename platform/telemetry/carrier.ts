/**
 * Trace context that travels inside data rather than in a request's headers: an event in the
 * outbox, a live update on the broadcast. Whoever handles it later links to it (a link, not a
 * parent: the handling is other work, maybe much later, maybe more than once), and such a span is
 * kept whenever the work it links to was (./links.ts).
 */
import { context, propagation, ROOT_CONTEXT, trace, type Link } from '@opentelemetry/api';
import { FOLLOWS_LINK_SAMPLING } from './links';
import { tracingOn } from './state';

/** The W3C traceparent of the current work; undefined when tracing is off or no span is active. */
export function currentTraceparent(): string | undefined {
  if (!tracingOn() || !trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The link to the work a carried traceparent names (none for none, or for one that does not parse). */
export function linksTo(traceparent: unknown): Link[] {
  if (typeof traceparent !== 'string') return [];
  const origin = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent }));
  return origin ? [{ context: origin, attributes: { [FOLLOWS_LINK_SAMPLING]: true } }] : [];
}
