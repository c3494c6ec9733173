/**
 * The SERVER span of one gRPC call, continuing the caller's trace from its `traceparent` metadata
 * (the inference server's callers are the platform's own services), with the call's work inside it.
 */
import { propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { ServiceTracing } from './service-tracing';
import { withinSpan } from './within-span';

export async function rpcServerSpan<T>(
  tracing: ServiceTracing,
  rpc: { service: string; method: string },
  traceparent: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracing.tracer.startSpan(
    `${rpc.service}/${rpc.method}`,
    { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': rpc.service, 'rpc.method': rpc.method } },
    parent,
  );
  return withinSpan(span, parent, work);
}
