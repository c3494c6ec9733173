/**
 * The SERVER span of each request an endpoint answers, with the request's work running inside it
 * (so the spans it starts, a database statement or a subgraph fetch, are its children) and ended
 * once the answer is sent or the connection is gone.
 *
 * What the caller's W3C `traceparent` is worth is the endpoint's policy:
 * - `trust`: the span continues the caller's trace, its sampling decision included: services
 *   behind the gateway trust it, as only the platform's own services call them;
 * - `link`: a new trace whose server span links to the caller's span: a client at the public edge
 *   can find its request, but chooses neither the gateway's trace id nor whether it is kept;
 * - `ignore`: a new trace, the header unread.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import type { ClientTracePolicy } from '../config/options/telemetry';
import type { ServiceTracing } from './service-tracing';

/** Runs `handle` inside the request's server span. */
export type ServerSpans = (req: IncomingMessage, res: ServerResponse, handle: () => void) => void;

export function serverSpans(tracing: ServiceTracing, route: string, policy: ClientTracePolicy): ServerSpans {
  const start = serverSpanStarter(tracing, route, policy);
  return (req, res, handle) => {
    const { span, parent } = start(req, res);
    context.with(trace.setSpan(parent, span), handle);
  };
}

/**
 * Starts the request's server span, ended once the answer is sent or the connection is gone, and
 * leaves entering it to the caller: the span and the context it continues (the caller's, under
 * `trust`; an empty one otherwise).
 */
export function serverSpanStarter(
  tracing: ServiceTracing,
  route: string,
  policy: ClientTracePolicy,
): (req: IncomingMessage, res: ServerResponse) => { span: Span; parent: Context } {
  const { tracer } = tracing;
  return (req, res) => {
    const method = req.method ?? 'GET';
    const caller =
      policy !== 'ignore' && req.headers.traceparent !== undefined ? propagation.extract(ROOT_CONTEXT, req.headers) : undefined;
    const parent = policy === 'trust' && caller ? caller : ROOT_CONTEXT;
    const callerSpan = policy === 'link' && caller ? trace.getSpanContext(caller) : undefined;
    const links: Link[] | undefined =
      callerSpan && isSpanContextValid(callerSpan) ? [{ context: callerSpan, attributes: CALLER_LINK }] : undefined;
    const attributes: Attributes = { 'http.request.method': method, 'http.route': route };
    const span = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes, links }, parent);
    // A span not recorded keeps nothing: it needs no ending, and the response no listener.
    if (span.isRecording())
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the answer was sent' });
        else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
    return { span, parent };
  };
}

/** Says why the server span links to another trace. */
const CALLER_LINK: Attributes = { 'link.reason': 'caller traceparent (not trusted)' };
