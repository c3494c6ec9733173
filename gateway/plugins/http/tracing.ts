/**
 * The gateway's spans of a client operation (docs/tracing.md): the SERVER span of each HTTP
 * request to a GraphQL endpoint, under the edge's policy for a client's `traceparent`; Apollo
 * Server's parse and validate phases as its children; the operation's name and type on it once
 * known. Planning and execution are Apollo Gateway's own `gateway.*` spans, which start under the
 * server span as it is the active one while the plan runs; single-fetch answers have theirs
 * (plugins/plan/single-fetch.ts). Each subscription event completed over WebSocket gets a span of
 * its own.
 *
 * The server span is made active only around the plan, and only when its trace is kept: running
 * a request inside an OpenTelemetry context costs the gateway about a tenth of its CPU per
 * request (AsyncLocalStorage carries it through every asynchronous step; docs/tracing.md has the
 * figures). Everything else finds the span in the request's state, and a request whose trace is
 * not kept runs with no context at all: its fetches still tell each subgraph its trace and that
 * it is not kept (plugins/subgraph-fetch/tracing.ts).
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { ClientTracePolicy } from '../../../platform/config/options/telemetry';
import { isKept, linksTo, serverSpanStarter, withinSpan, type ServiceTracing } from '../../../platform/telemetry';
import { Kind, type DocumentNode } from 'graphql';
import type { GatewayPlugin } from '../../pipeline/plugin';

/** Longest operation name put in a span's name (the attribute keeps it whole): names are the client's to choose. */
const SPAN_NAME_OPERATION_CHARS = 64;

export function operationTracingPlugin(tracing: ServiceTracing, clientTraceparent: ClientTracePolicy): GatewayPlugin {
  const { tracer } = tracing;
  const starters = new Map<string, ReturnType<typeof serverSpanStarter>>();
  // From the exchange, which sees the request first, to the HTTP gate, which builds its state.
  const exchangeSpans = new WeakMap<IncomingMessage, Span>();
  /** The request's server span when its trace is kept. */
  const recorded = (span: Span | undefined) => (isKept(span) ? span : undefined);
  return {
    name: 'tracing',
    onHttpExchange({ endpoint, req, res }, next) {
      let start = starters.get(endpoint);
      if (!start) {
        start = serverSpanStarter(tracing, endpoint, clientTraceparent);
        starters.set(endpoint, start);
      }
      exchangeSpans.set(req, start(req, res).span);
      next();
    },
    onHttpRequest({ req, state }) {
      const span = exchangeSpans.get(req);
      if (span) state.span = span;
      return true;
    },
    onDocumentPhase({ state, name }) {
      const parent = recorded(state.span);
      if (!parent) return;
      const span = tracer.startSpan(`graphql.${name}`, undefined, trace.setSpan(ROOT_CONTEXT, parent));
      return (errors) => {
        if (errors?.length) span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0].message });
        span.end();
      };
    },
    onOperation({ state, operation, operationName }) {
      const span = recorded(state.span);
      if (!span || !operation) return;
      const type = operation.operation;
      const name = operation.name?.value ?? operationName ?? undefined;
      span.setAttribute('graphql.operation.type', type);
      if (name) span.setAttribute('graphql.operation.name', name);
      span.updateName(name ? `${type} ${name.slice(0, SPAN_NAME_OPERATION_CHARS)}` : type);
    },
    onPlan({ state }, next) {
      const span = recorded(state.span);
      return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), next) : next();
    },
    onResponse({ state, errors }) {
      // Errors inside an answer (HTTP 200 included) show on the server span: how many, and which codes.
      const span = recorded(state.span);
      if (!span || !errors?.length) return;
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
