/**
 * One CLIENT span per subgraph fetch made for a client's operation, the parent of that subgraph's
 * server span: its `traceparent` goes out with the fetch. Listed outside the entity cache, so a
 * fetch the cache answers (nothing sent) has its span too, marked `hit`; a partial hit's span is
 * the parent of the smaller fetch that is sent. The gateway's own fetches (health checks, schema
 * loading) are not traced.
 */
import { Kind } from 'graphql';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import { inRecordedTrace, type ServiceTracing } from '../../../platform/telemetry';
import type { GatewayPlugin, SubgraphFetch } from '../../pipeline/plugin';

export function subgraphFetchTracingPlugin(tracing: ServiceTracing): GatewayPlugin {
  const { tracer } = tracing;
  return {
    name: 'subgraph-fetch-tracing',
    async onSubgraphFetch(fetch, next) {
      if (fetch.kind !== 'operation') return next(fetch);
      if (!inRecordedTrace()) {
        // A trace that is not kept runs outside any context (plugins/http/tracing.ts): no span, but
        // the subgraph still learns the trace, from the request's server span, and that it is not kept.
        return next(carrying(fetch, fetch.state?.span ? trace.setSpan(ROOT_CONTEXT, fetch.state.span) : context.active()));
      }
      const span = tracer.startSpan(`subgraph ${fetch.subgraph}`, { kind: SpanKind.CLIENT, attributes: attributesOf(fetch) });
      const active = trace.setSpan(context.active(), span);
      try {
        const result = await context.with(active, () => next(carrying(fetch, active)));
        if (result.errors?.length) {
          span.setAttribute('graphql.error.count', result.errors.length);
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.errors[0].message });
        }
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        // The cache step reports how it answered on the fetch's outcome, which every copy shares.
        if (fetch.outcome.cache) span.setAttribute('gateway.entity_cache.outcome', fetch.outcome.cache);
        // The subgraph's spans for a shared fetch are under the trace of the fetch that was sent.
        if (fetch.outcome.deduplicated) span.setAttribute('gateway.fetch.deduplicated', true);
        span.end();
      }
    },
  };
}

/** A copy of the fetch with the W3C trace context of `traceContext` among its headers. */
function carrying(fetch: SubgraphFetch, traceContext: Context): SubgraphFetch {
  const headers = { ...fetch.headers };
  propagation.inject(traceContext, headers);
  return { ...fetch, headers };
}

function attributesOf(fetch: SubgraphFetch): Attributes {
  const attributes: Attributes = { 'subgraph.name': fetch.subgraph };
  const operationName = fetch.request.operationName;
  if (operationName) attributes['subgraph.graphql.operation.name'] = operationName;
  const definition = fetch.document?.definitions.find((node) => node.kind === Kind.OPERATION_DEFINITION);
  const type = definition?.kind === Kind.OPERATION_DEFINITION ? definition.operation : fetch.operation?.type;
  if (type) attributes['subgraph.graphql.operation.type'] = type;
  return attributes;
}
