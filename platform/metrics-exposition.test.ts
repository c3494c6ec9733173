/**
 * One registry, two formats: Prometheus text as before for every parser, OpenMetrics with trace-id
 * exemplars when the scraper asks for it, and neither scrape changing what the other writes.
 */
import { Counter } from 'prom-client';
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { exposition, OPENMETRICS_TEXT, prefersOpenMetrics, PROMETHEUS_TEXT } from './metrics-exposition';
import { latencyHistogram, registry } from './metrics';

/** What Prometheus 2.x sends when exemplar storage is on (and OpenMetrics scraping with it). */
const PROMETHEUS_OPENMETRICS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
/** Prometheus' default Accept header. */
const PROMETHEUS_TEXT_ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const UNSAMPLED = '1bf7651916cd43dd8448eb211c80319d';

const latency = latencyHistogram({
  name: 'test_exposition_seconds',
  help: 'a test latency',
  labelNames: ['route'] as const,
  buckets: [0.1, 1],
});
const requests = new Counter({
  name: 'test_exposition_requests_total',
  help: 'a test counter',
  labelNames: ['route'] as const,
  registers: [registry],
});

const typeLines = (text: string) => text.split('\n').filter((line) => line.startsWith('# TYPE '));

// What a tracing SDK provides, kept to what the exemplars read: an active span per asynchronous flow.
// (test/support/trace-context.ts does the same for tests outside platform/, which cannot import it.)
const storage = new AsyncLocalStorage<Context>();
const withTrace = <T>(traceId: string, fn: () => T, sampled = true): T =>
  context.with(
    trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: traceId.slice(0, 16),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    }),
    fn,
  );

beforeAll(() => {
  context.setGlobalContextManager({
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.apply(thisArg, args)),
    bind: (_ctx, target) => target,
    enable() {
      return this;
    },
    disable() {
      return this;
    },
  });
});
afterAll(() => context.disable());

describe('content negotiation', () => {
  it.each([
    [PROMETHEUS_OPENMETRICS_ACCEPT, true],
    [PROMETHEUS_TEXT_ACCEPT, false],
    [undefined, false],
    ['*/*', false],
    ['application/openmetrics-text', true],
    ['application/openmetrics-text;q=0, text/plain', false],
    ['text/plain;q=0.9, application/openmetrics-text;q=0.9', false],
    ['text/plain;q=0.2, application/*;q=0.5', true],
  ])('Accept %s: OpenMetrics %s', (accept, openMetrics) => {
    expect(prefersOpenMetrics(accept)).toBe(openMetrics);
  });
});

describe('exposition', () => {
  beforeAll(() => {
    withTrace(TRACE, () => latency.observe({ route: 'traced' }, 0.05));
    withTrace(UNSAMPLED, () => latency.observe({ route: 'unsampled' }, 0.05), false);
    latency.observe({ route: 'untraced' }, 0.5);
    requests.inc({ route: 'traced' });
  });

  it('writes OpenMetrics with the trace id of a sampled active span on its bucket, and none without one', async () => {
    const { contentType, body } = await exposition(PROMETHEUS_OPENMETRICS_ACCEPT);
    expect(contentType).toBe(OPENMETRICS_TEXT);
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toMatch(
      new RegExp(`^test_exposition_seconds_bucket\\{le="0.1",route="traced"\\} 1 # \\{trace_id="${TRACE}"\\} 0.05 \\d+(\\.\\d+)?$`, 'm'),
    );
    expect(body).toMatch(/^test_exposition_seconds_bucket\{le="0.1",route="unsampled"\} 1$/m);
    expect(body).toMatch(/^test_exposition_seconds_bucket\{le="1",route="untraced"\} 1$/m);
    // Counters in OpenMetrics: the family without _total, its samples with it.
    expect(body).toMatch(/^# TYPE test_exposition_requests counter$/m);
    expect(body).toMatch(/^test_exposition_requests_total\{route="traced"\} 1$/m);
    expect(body).not.toMatch(/\n\n/);
  });

  it('keeps Prometheus text as it was, without exemplars, after OpenMetrics scrapes', async () => {
    await exposition(PROMETHEUS_OPENMETRICS_ACCEPT);
    for (const accept of [undefined, PROMETHEUS_TEXT_ACCEPT]) {
      const { contentType, body } = await exposition(accept);
      expect(contentType).toBe(PROMETHEUS_TEXT);
      // The registry's own text, family by family (the process's own gauges move between two reads).
      expect(typeLines(body)).toEqual(typeLines(await registry.metrics()));
      expect(body).toMatch(/^# TYPE test_exposition_requests_total counter$/m);
      expect(body).toMatch(/^test_exposition_requests_total\{route="traced"\} 1$/m);
      expect(body).toMatch(/^test_exposition_seconds_bucket\{le="0.1",route="traced"\} 1$/m);
      expect(body).not.toContain('trace_id');
      expect(body).not.toContain('# EOF');
    }
  });

  it('writes every metric of the registry in both formats', async () => {
    const families = registry
      .getMetricsAsArray()
      .map((metric) => (String(metric.type) === 'counter' ? metric.name.replace(/_total$/, '') : metric.name));
    const openMetrics = (await exposition('application/openmetrics-text')).body;
    for (const family of families) expect(openMetrics).toContain(`# HELP ${family} `);
    const text = (await exposition(undefined)).body;
    for (const metric of registry.getMetricsAsArray()) expect(text).toContain(`# HELP ${metric.name} `);
  });
});
