/**
 * The gateway's spans of a client operation (docs/tracing.md): the SERVER span of each HTTP
 * request to a GraphQL endpoint, under the edge's policy for a client's `traceparent`; Apollo
 * Server's parse and validate phases as its children; the operation's name and type on it once
 * known. Planning and execution are Apollo Gateway's own `gateway.*` spans, which start under the
 * server span as it is the active one; single-fetch answers have theirs (plugins/plan/single-fetch.ts).
 * Each subscription event completed over WebSocket gets a span of its own.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ClientTracePolicy } from '../../../platform/config/options/telemetry';
import { linksTo, serverSpans, withinSpan, type ServerSpans, type ServiceTracing } from '../../../platform/telemetry';
import { Kind, type DocumentNode } from 'graphql';
import type { GatewayPlugin } from '../../pipeline/plugin';

/** Longest operation name put in a span's name (the attribute keeps it whole): names are the client's to choose. */
const SPAN_NAME_OPERATION_CHARS = 64;

export function operationTracingPlugin(tracing: ServiceTracing, clientTraceparent: ClientTracePolicy): GatewayPlugin {
  const { tracer } = tracing;
  const byEndpoint = new Map<string, ServerSpans>();
  // The server spans this plugin started: the operation's name goes on the one in force, no other.
  const serverSpansStarted = new WeakSet<Span>();
  return {
    name: 'tracing',
    onHttpExchange({ endpoint, req, res }, next) {
      let spans = byEndpoint.get(endpoint);
      if (!spans) {
        spans = serverSpans(tracing, endpoint, clientTraceparent);
        byEndpoint.set(endpoint, spans);
      }
      spans(req, res, () => {
        const span = trace.getActiveSpan();
        if (span) serverSpansStarted.add(span);
        next();
      });
    },
    onDocumentPhase({ name }) {
      const span = tracer.startSpan(`graphql.${name}`);
      return (errors) => {
        if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0].message });
        span.end();
      };
    },
    onOperation({ operation, operationName }) {
      const span = trace.getActiveSpan();
      if (!span || !serverSpansStarted.has(span) || !operation) return;
      const type = operation.operation;
      const name = operation.name?.value ?? operationName ?? undefined;
      span.setAttribute('graphql.operation.type', type);
      if (name) span.setAttribute('graphql.operation.name', name);
      span.updateName(name ? `${type} ${name.slice(0, SPAN_NAME_OPERATION_CHARS)}` : type);
    },
    onResponse({ errors }) {
      // Errors inside an answer (HTTP 200 included) show on the server span: how many, and which codes.
      const span = trace.getActiveSpan();
      if (!span || !serverSpansStarted.has(span) || !errors?.length) return;
      const codes = new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
      span.setAttributes({ 'graphql.error.count': errors.length, 'graphql.error.codes': [...codes] });
      span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0].message });
    },
    async onSubscriptionEvent(phase, next) {
      // graphql-ws clients often send no operationName: the document names its one operation.
      const operationName = phase.operationName ?? operationNameOf(phase.document);
      // The subgraph sends the trace context of the work that published the event (in its
      // extensions): the span links to it, and it is not passed on to the client.
      const { traceparent, ...extensions } = phase.event.extensions ?? {};
      const event =
        traceparent === undefined
          ? phase.event
          : { ...phase.event, extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
      // An event starts work of its own: a new trace, whatever ran when the client subscribed.
      const span = tracer.startSpan(
        'graphql.subscription.event',
        {
          kind: SpanKind.CONSUMER,
          links: linksTo(traceparent),
          attributes: { 'graphql.operation.type': 'subscription', ...(operationName ? { 'graphql.operation.name': operationName } : {}) },
        },
        ROOT_CONTEXT,
      );
      return withinSpan(span, ROOT_CONTEXT, async () => {
        const result = await next(event);
        if (result.errors?.length) span.setAttribute('graphql.error.count', result.errors.length);
        return result;
      });
    },
  };
}

function operationNameOf(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) if (definition.kind === Kind.OPERATION_DEFINITION) return definition.name?.value;
  return undefined;
}
