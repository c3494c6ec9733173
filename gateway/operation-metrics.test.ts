/**
 * RED per GraphQL operation and per subgraph fetch, read from a real gateway's /metrics: operations
 * over HTTP and WebSocket, errors inside an HTTP 200 counted as errors and by code, a bounded
 * operation label under a flood of names, and the trace-id exemplars Prometheus gets when it asks
 * for OpenMetrics. The gateway runs with no subgraph behind it, so every subgraph fetch fails as
 * SERVICE_UNAVAILABLE, which is what the error counting needs.
 */
import { stableHash } from '../platform/stable-hash';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startGatewayAlone } from '../test/support/gateway-alone';
import { metricValue } from '../test/support/metrics';
import { enterTrace, installTestContext, uninstallTestContext } from '../test/support/trace-context';
import type { RunningGateway } from './server';

const OPERATION_NAMES = 20;
const GATE_MS = 150;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

const post = async (gateway: RunningGateway, query: string, headers: Record<string, string> = {}) => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: (await response.json()) as { errors?: { extensions?: { code?: string } }[] } };
};

const scrape = async (gateway: RunningGateway, accept?: string) => {
  const response = await fetch(gateway.metricsUrl, { headers: accept ? { accept } : {} });
  return { contentType: response.headers.get('content-type'), body: await response.text() };
};

/** The `operation` label values of one series in a Prometheus text scrape. */
const operationLabels = (text: string, series: string) =>
  new Set([...text.matchAll(new RegExp(`^${series}\\{[^}]*operation="([^"]*)"`, 'gm'))].map((match) => match[1]));

describe('gateway operation and subgraph fetch metrics', () => {
  let gateway: RunningGateway;
  const count = (labels: Record<string, string>) =>
    metricValue(gateway.metricsUrl.replace(/\/metrics$/, ''), 'gateway_operation_duration_seconds_count', labels);
  const errors = (labels: Record<string, string>) =>
    metricValue(gateway.metricsUrl.replace(/\/metrics$/, ''), 'gateway_operation_errors_total', labels);

  beforeAll(async () => {
    installTestContext();
    gateway = await startGatewayAlone({
      metricsOperationNames: OPERATION_NAMES,
      // Stands in for a tracing SDK: the rest of each operation runs with a span of TRACE active.
      plugins: [
        { name: 'test-trace', onOperation: () => enterTrace(TRACE) },
        // A gate step that takes its time when asked to (as a partner key lookup can).
        {
          name: 'slow-gate',
          onHttpRequest: async ({ req }) => {
            if (req.headers['x-slow-gate']) await new Promise((resolve) => setTimeout(resolve, GATE_MS));
            return true;
          },
        },
      ],
    });
  });

  afterAll(async () => {
    await gateway?.close();
    uninstallTestContext();
  });

  it('counts an operation answered without errors as ok, by name and type', async () => {
    const before = await count({ operation: 'Typename', type: 'query', outcome: 'ok' });
    const { status, body } = await post(gateway, 'query Typename { __typename }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await count({ operation: 'Typename', type: 'query', outcome: 'ok' })).toBe(before + 1);
  });

  it("times an operation from the request's arrival, the HTTP gate's checks included", async () => {
    await post(gateway, 'query SlowGate { __typename }', { 'x-slow-gate': '1' });
    const base = gateway.metricsUrl.replace(/\/metrics$/, '');
    const labels = { operation: 'SlowGate', type: 'query', outcome: 'ok' };
    expect(await metricValue(base, 'gateway_operation_duration_seconds_count', labels)).toBe(1);
    expect(await metricValue(base, 'gateway_operation_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(GATE_MS / 1000);
  });

  it('counts an HTTP 200 carrying errors as an error, each of its errors by code, and the subgraph fetch that failed', async () => {
    const base = gateway.metricsUrl.replace(/\/metrics$/, '');
    const fetchErrors = () =>
      metricValue(base, 'gateway_subgraph_fetch_errors_total', { subgraph: 'products', code: 'SERVICE_UNAVAILABLE' });
    const fetches = () => metricValue(base, 'gateway_subgraph_fetch_duration_seconds_count', { subgraph: 'products' });
    const before = {
      failed: await count({ operation: 'Catalogue', type: 'query', outcome: 'error' }),
      unavailable: await errors({ operation: 'Catalogue', code: 'SERVICE_UNAVAILABLE' }),
      fetchErrors: await fetchErrors(),
      fetches: await fetches(),
    };
    const { status, body } = await post(gateway, 'query Catalogue { products(first: 2) { edges { cursor } } }');
    expect(status).toBe(200);
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(await count({ operation: 'Catalogue', type: 'query', outcome: 'error' })).toBe(before.failed + 1);
    expect(await errors({ operation: 'Catalogue', code: 'SERVICE_UNAVAILABLE' })).toBe(before.unavailable + 1);
    expect(await fetchErrors()).toBe(before.fetchErrors + 1);
    expect(await fetches()).toBe(before.fetches + 1);
  });

  it('counts mutations, refused documents and operations sent over WebSocket', async () => {
    const before = {
      mutation: await count({ operation: 'Confirm', type: 'mutation', outcome: 'error' }),
      invalid: await errors({ operation: 'anonymous', code: 'GRAPHQL_VALIDATION_FAILED' }),
      unparsable: await count({ operation: 'anonymous', type: 'unknown', outcome: 'error' }),
      parseErrors: await errors({ operation: 'anonymous', code: 'GRAPHQL_PARSE_FAILED' }),
      socket: await count({ operation: 'OverSocket', type: 'query', outcome: 'ok' }),
    };
    await post(gateway, 'mutation Confirm { confirmOrder(id: "o1") { id } }');
    await post(gateway, 'query Invalid { nope }');
    expect((await post(gateway, '{')).status).toBe(400);
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      await new Promise<void>((resolve, reject) =>
        client.subscribe({ query: 'query OverSocket { __typename }' }, { next: () => undefined, error: reject, complete: resolve }),
      );
    } finally {
      await client.dispose();
    }
    expect(await count({ operation: 'Confirm', type: 'mutation', outcome: 'error' })).toBe(before.mutation + 1);
    expect(await errors({ operation: 'anonymous', code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(before.invalid + 1);
    expect(await count({ operation: 'anonymous', type: 'unknown', outcome: 'error' })).toBe(before.unparsable + 1);
    expect(await errors({ operation: 'anonymous', code: 'GRAPHQL_PARSE_FAILED' })).toBe(before.parseErrors + 1);
    expect(await count({ operation: 'OverSocket', type: 'query', outcome: 'ok' })).toBe(before.socket + 1);
  });

  it('serves trace-id exemplars on the latency histograms to an OpenMetrics scrape, and plain text otherwise', async () => {
    await post(gateway, 'query Traced { products(first: 1) { edges { cursor } } }');
    const openMetrics = await scrape(gateway, OPENMETRICS);
    expect(openMetrics.contentType).toMatch(/^application\/openmetrics-text; version=1.0.0/);
    expect(openMetrics.body.endsWith('# EOF\n')).toBe(true);
    const exemplar = `# \\{trace_id="${TRACE}"\\} \\d`;
    expect(openMetrics.body).toMatch(
      new RegExp(`^gateway_operation_duration_seconds_bucket\\{[^}]*operation="Traced"[^}]*\\} 1 ${exemplar}`, 'm'),
    );
    expect(openMetrics.body).toMatch(
      new RegExp(`^gateway_subgraph_fetch_duration_seconds_bucket\\{[^}]*subgraph="products"[^}]*\\} \\d+ ${exemplar}`, 'm'),
    );
    expect(openMetrics.body).toMatch(/^# TYPE gateway_operation_errors counter$/m);

    const text = await scrape(gateway);
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).not.toContain('trace_id');
    expect(text.body).toMatch(/^# TYPE gateway_operation_errors_total counter$/m);
    expect(text.body).toMatch(/^gateway_operation_duration_seconds_count\{operation="Traced",type="query",outcome="error"\} 1$/m);
  });

  // Last: it spends the process's whole budget of operation names.
  it('keeps the operation label within its budget under a flood of random names', async () => {
    for (let i = 0; i < 300; i++) await post(gateway, `query Flood${stableHash(`flood-${i}`).toString(36)} { __typename }`);
    const { body } = await scrape(gateway);
    for (const series of ['gateway_operation_duration_seconds_count', 'gateway_operation_errors_total']) {
      const labels = operationLabels(body, series);
      labels.delete('anonymous');
      labels.delete('other');
      expect(labels.size).toBeLessThanOrEqual(OPERATION_NAMES);
    }
    expect(operationLabels(body, 'gateway_operation_duration_seconds_count').has('other')).toBe(true);
  });
});
