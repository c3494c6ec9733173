/**
 * The OpenTelemetry SDK as the platform runs it, loaded by ./start.ts only when an endpoint is
 * configured: one tracer provider per service (each with its own Resource, so the embedded
 * default's seven services keep their names), sharing one OTLP/HTTP exporter; W3C trace context;
 * Prisma's own instrumentation for database statements.
 *
 * Spans started through the global API (Apollo Gateway's `gateway.*`, Prisma's, the platform's
 * own database reads) belong to whichever service's span is their parent: a routing provider
 * hands each to that service's provider. Such a span with no parent at all is not recorded: it is
 * background work no request or event started (an outbox relay's poll every second, start-up
 * migrations), which would otherwise fill the traces with one-span roots.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config';
import { samplerOf } from './sampler';
import type { ServiceTracing } from './service-tracing';
import type { Telemetry, TelemetryRole } from './start';
import { setTracingOn } from './state';

/** The instrumentation scope of the platform's own spans. */
const SCOPE = 'federation-platform';

let running: Telemetry | undefined;

export async function startSdk(config: TelemetryConfig & { tracesUrl: string }, role: TelemetryRole): Promise<Telemetry> {
  // Only a process with a database loads Prisma's instrumentation (the gateway's never does).
  const prisma = role.database ? await import('./prisma.js') : undefined;
  // The API's globals (context manager, propagator, provider) exist once per process.
  if (running) throw new Error('tracing is already started in this process; shut it down before starting it again');
  const exporter = new OTLPTraceExporter({ url: config.tracesUrl, headers: config.headers });
  const shared = new SharedExporter(exporter);
  const sampler = samplerOf(config);
  const providers = new Map<string, BasicTracerProvider>();
  const providerOf = (serviceName: string) => {
    let provider = providers.get(serviceName);
    if (!provider) {
      const resource = resourceFromAttributes({ ...config.resourceAttributes, 'service.name': serviceName });
      provider = new BasicTracerProvider({ resource, sampler, spanProcessors: [new BatchSpanProcessor(shared)] });
      providers.set(serviceName, provider);
    }
    return provider;
  };
  const routing = new RoutingTracerProvider(providers);

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(routing);
  const unregister = prisma ? prisma.instrumentPrisma(routing) : () => undefined;
  setTracingOn(true);

  const all = () => [...providers.values()];
  let stopping: Promise<void> | undefined;
  const telemetry: Telemetry = {
    forService(service) {
      const serviceName = role.singleService ? (config.serviceName ?? service) : service;
      return { service: serviceName, tracer: providerOf(serviceName).getTracer(SCOPE) } satisfies ServiceTracing;
    },
    async forceFlush() {
      await Promise.all(all().map((provider) => provider.forceFlush()));
      await exporter.forceFlush();
    },
    shutdown() {
      stopping ??= (async () => {
        setTracingOn(false);
        unregister();
        await Promise.all(all().map((provider) => provider.shutdown()));
        await exporter.shutdown();
        trace.disable();
        propagation.disable();
        context.disable();
        running = undefined;
      })();
      return stopping;
    },
  };
  running = telemetry;
  return telemetry;
}

/** One exporter behind several providers: each provider's shutdown leaves it open; the SDK's own shutdown closes it last. */
class SharedExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, done);
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {
    await this.inner.forceFlush?.();
  }
}

/** Hands each span to the provider of the service its parent belongs to (see the top of this file). */
class RoutingTracerProvider implements TracerProvider {
  constructor(private readonly byService: ReadonlyMap<string, BasicTracerProvider>) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const tracers = new Map<BasicTracerProvider, Tracer>();
    return new RoutingTracer(LEFT_OUT[name], (parent) => {
      // A span the SDK made carries its provider's resource; a remote or a non-recording one carries
      // none, and one left out (below) stands for its parent.
      const span = trace.getSpan(parent);
      const recorded = ((span && standsFor.get(span)) ?? span) as Partial<ReadableSpan> | undefined;
      const service = recorded?.resource?.attributes['service.name'];
      const provider = typeof service === 'string' ? this.byService.get(service) : undefined;
      if (!provider) return undefined;
      let tracer = tracers.get(provider);
      if (!tracer) {
        tracer = provider.getTracer(name, version, options);
        tracers.set(provider, tracer);
      }
      return tracer;
    });
  }
}

/** A left-out span's stand-in, to the recorded span it stands for. */
const standsFor = new WeakMap<Span, Span>();

/** What a span that is not recorded is: it still carries its parent's context (if any) on, so nothing below it is recorded either. */
const NOT_RECORDED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Library spans not recorded, by instrumentation scope: each would repeat a span the platform
 * makes itself, and every span costs the gateway CPU on every kept request (docs/tracing.md,
 * "Cost"). Apollo Gateway's `gateway.request` repeats the server span, `gateway.validate` Apollo
 * Server's `graphql.validate`, and `gateway.fetch` the fetch's client span. What such a span's
 * children start goes under its parent instead.
 */
const LEFT_OUT: Record<string, ReadonlySet<string> | undefined> = {
  'apollo/gateway-js': new Set(['gateway.request', 'gateway.validate', 'gateway.fetch']),
};

class RoutingTracer implements Tracer {
  constructor(
    private readonly leftOut: ReadonlySet<string> | undefined,
    private readonly tracerFor: (parent: Context) => Tracer | undefined,
  ) {}

  startSpan(name: string, options?: SpanOptions, parent: Context = context.active()): Span {
    const tracer = this.leftOut?.has(name) ? undefined : this.tracerFor(parent);
    if (tracer) return tracer.startSpan(name, options, parent);
    // Left out, or a remote or unsampled parent: the span is its parent's context, unrecorded, so
    // what starts under it goes under the parent (the same service's), with the parent's decision.
    const parentSpan = trace.getSpan(parent);
    if (!parentSpan) return NOT_RECORDED;
    const standIn = trace.wrapSpanContext(parentSpan.spanContext());
    const recorded = standsFor.get(parentSpan) ?? (parentSpan.isRecording() ? parentSpan : undefined);
    if (recorded) standsFor.set(standIn, recorded);
    return standIn;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, parent: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent = rest.length > 2 ? (rest[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}
