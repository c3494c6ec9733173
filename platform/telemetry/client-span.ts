/**
 * A CLIENT span around one call to another service, with the W3C `traceparent` of that span put in
 * the call's headers, so the callee's server span is its child.
 */
import { context, propagation, SpanKind, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { withinSpan } from './within-span';

export async function clientSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  call: (headers: Record<string, string>, span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return withinSpan(span, context.active(), () => call(headers, span));
}
