/**
 * The server span's policy for a caller's traceparent, over real HTTP with the real SDK (an
 * in-memory exporter in place of OTLP): trust continues the caller's trace, link starts a new one
 * that links to it, ignore starts a new one and reads nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientTracePolicy } from '../config/options/telemetry';
import { serverSpans } from './server-span';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
  propagation.disable();
});

/** One request with a caller's traceparent to an endpoint under `policy`; the span it made, and the span active in the handler. */
async function served(policy: ClientTracePolicy) {
  exporter.reset();
  const spans = serverSpans({ service: 'test', tracer: provider.getTracer('test') }, '/graphql', policy);
  let active: string | undefined;
  let closed!: () => void;
  const answered = new Promise<void>((resolve) => (closed = resolve));
  const server = http.createServer((req, res) =>
    spans(req, res, () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      // Listened to after the server span's own listener, so the span has ended when this runs.
      res.once('close', closed);
      res.end('ok');
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, {
      method: 'POST',
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    await response.text();
    await answered;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const [span] = exporter.getFinishedSpans();
  expect(span.spanContext().spanId).toBe(active);
  expect(span.name).toBe('POST /graphql');
  expect(span.attributes['http.response.status_code']).toBe(200);
  return span;
}

it('trusts: continues the caller’s trace', async () => {
  const span = await served('trust');
  expect(span.spanContext().traceId).toBe(CALLER_TRACE);
  expect(span.parentSpanContext?.spanId).toBe(CALLER_SPAN);
  expect(span.links).toHaveLength(0);
});

it('links: a new trace, with a link to the caller’s span', async () => {
  const span = await served('link');
  expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
  expect(span.parentSpanContext).toBeUndefined();
  expect(span.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([[CALLER_TRACE, CALLER_SPAN]]);
});

it('ignores: a new trace, nothing of the caller’s', async () => {
  const span = await served('ignore');
  expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
  expect(span.parentSpanContext).toBeUndefined();
  expect(span.links).toHaveLength(0);
});
