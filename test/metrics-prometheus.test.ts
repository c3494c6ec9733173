/**
 * A real Prometheus (Debian's `prometheus` package, with exemplar storage on, so it asks for
 * OpenMetrics) scrapes a real gateway: the scrape parses, the RED series arrive under their names,
 * and the trace id of an operation comes back through Prometheus' exemplar API. Skipped where the
 * `prometheus` binary is not installed (see docs/operations.md#metrics).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startGatewayAlone } from './support/gateway-alone';
import { eventually } from './support/eventually';
import { enterTrace, installTestContext, uninstallTestContext } from './support/trace-context';
import type { RunningGateway } from '../gateway/server';

const TRACE = '5bf92f3577b34da6a3ce929d0e0e4737';
const installed = spawnSync('prometheus', ['--version']).status === 0;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

(installed ? describe : describe.skip)('a real Prometheus scraping the gateway', () => {
  let gateway: RunningGateway;
  let prometheus: ChildProcess;
  let dir: string;
  let api: string;

  const query = async <T>(endpoint: string, params: Record<string, string>): Promise<T> => {
    const response = await fetch(`${api}/api/v1/${endpoint}?${new URLSearchParams(params)}`);
    return ((await response.json()) as { data: T }).data;
  };

  beforeAll(async () => {
    installTestContext();
    gateway = await startGatewayAlone({ metricsPort: 0, plugins: [{ name: 'test-trace', onOperation: () => enterTrace(TRACE) }] });
    const target = new URL(gateway.metricsUrl);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-'));
    fs.writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n  - job_name: gateway\n    static_configs: [{ targets: ['${target.host}'] }]\n`,
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--enable-feature=exemplar-storage',
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await gateway?.close();
    uninstallTestContext();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ingests the OpenMetrics scrape with the operation series and its trace-id exemplar', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Scraped { products(first: 1) { edges { cursor } } }' }),
    });
    expect(response.status).toBe(200);

    type Target = { health: string; lastError: string };
    const targets = await eventually(
      () => query<{ activeTargets: Target[] }>('targets', {}).catch(() => ({ activeTargets: [] as Target[] })),
      ({ activeTargets }) => activeTargets[0]?.health === 'up',
      30_000,
    );
    expect(targets.activeTargets[0]).toMatchObject({ health: 'up', lastError: '' });

    // OpenMetrics counters arrive under their names with _total, as from a text scrape.
    const errors = await eventually(
      () =>
        query<{ result: { value: [number, string] }[] }>('query', {
          query: 'gateway_operation_errors_total{operation="Scraped",code="SERVICE_UNAVAILABLE"}',
        }),
      ({ result }) => result.length > 0,
      30_000,
    );
    expect(errors.result.map((series) => series.value[1])).toEqual(['1']);

    const now = Date.now() / 1000;
    type Exemplars = { exemplars: { labels: Record<string, string> }[] }[];
    const exemplars = await eventually(
      () =>
        query<Exemplars>('query_exemplars', {
          query: 'gateway_operation_duration_seconds_bucket{operation="Scraped"}',
          start: String(now - 600),
          end: String(now + 600),
        }),
      (found) => found.length > 0,
      30_000,
    );
    expect(exemplars.flatMap((series) => series.exemplars.map((exemplar) => exemplar.labels.trace_id))).toContain(TRACE);
  });
});
