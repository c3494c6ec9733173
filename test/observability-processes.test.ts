/**
 * The rules against a real Prometheus scraping the platform as deployed: every service its own
 * process with its own registry (test/support/service-processes.ts), each scraped as
 * job=<service> with nothing filtered, the platform's rules evaluated every second. Stopping the
 * orders process makes SubgraphDown{subgraph="orders"} fire, and starting it again clears it.
 * Needs PostgreSQL (DATABASE_URL, CI's integration pass) and Debian's `prometheus`; skipped, with
 * the reason, without either. test/observability.test.ts checks every dashboard panel on the
 * embedded platform.
 */
import { signToken } from '../gateway/plugins/http/auth/token';
import type { ScrapeJob } from '../observability/prometheus/scrape-config';
import { fromRoot } from '../platform/paths';
import { expectEveryRuleHealthy, expectSubgraphDownForOrders } from './support/alert-checks';
import { eventually } from './support/eventually';
import { findExecutable } from './support/executables';
import { startPrometheus, type RunningPrometheus } from './support/prometheus';
import { startServiceProcesses, type ServiceName, type ServiceProcesses } from './support/service-processes';

const prometheusBinary = findExecutable('prometheus');
const databaseUrl = process.env.DATABASE_URL;
const missing = [!prometheusBinary && 'prometheus is not on PATH', !databaseUrl && 'DATABASE_URL is not set'].filter(Boolean);
if (missing.length > 0) {
  // Straight to stderr: jest shows no console output of a file whose tests were all skipped.
  process.stderr.write(`test/observability-processes.test.ts: skipped: ${missing.join(', ')} (docs/operations.md, "Testing the rules").\n`);
}

/** A query that reaches users, orders and products through the gateway. */
const HOME =
  '{ me { name orders(first: 2) { edges { node { id items { product { name } } } } } } products(first: 2) { edges { node { id } } } }';

(missing.length === 0 ? describe : describe.skip)('a real Prometheus scraping every service in its own process', () => {
  let platform: ServiceProcesses;
  let prometheus: RunningPrometheus;
  let token: string;

  const traffic = async () => {
    const response = await fetch(platform.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: HOME }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.json();
  };

  beforeAll(async () => {
    platform = await startServiceProcesses(databaseUrl!);
    token = await signToken(platform.jwtSecret, { userId: 'user-0001', roles: ['customer'] });
    // Separate processes: every job keeps its whole /metrics, nothing is counted twice.
    const jobs: ScrapeJob[] = Object.entries(platform.services).map(([job, service]) => ({
      job,
      target: new URL(service.metricsUrl).host,
    }));
    prometheus = await startPrometheus(prometheusBinary!, jobs, [fromRoot('observability/prometheus/rules.yml')]);
    await traffic();
  }, 240_000);

  afterAll(async () => {
    await prometheus?.close();
    await platform?.close();
  });

  it('scrapes each process as its own job, and each job has only its own process', async () => {
    const up = await eventually(
      () => prometheus.query('up == 1'),
      (samples) => samples.length === 7,
      20_000,
    );
    const jobs = up.map((sample) => sample.metric.job).sort();
    expect(jobs).toEqual((Object.keys(platform.services) as ServiceName[]).sort());
    // One process per job: its process metrics, and the gateway's RED series only where the gateway runs.
    const processes = await prometheus.query('count by (job) (process_start_time_seconds)');
    expect(processes.map((sample) => [sample.metric.job, sample.value[1]]).sort()).toEqual(jobs.map((job) => [job, '1']));
    const operations = await eventually(
      async () => {
        await traffic();
        return prometheus.query('count by (job) (gateway_operation_duration_seconds_count)');
      },
      (samples) => samples.length > 0,
      20_000,
    );
    expect(operations.map((sample) => sample.metric.job)).toEqual(['gateway']);
    // Each subgraph counts its own statements (db_statement_duration_seconds in every topology).
    const statements = await prometheus.query('count by (job, service) (db_statement_duration_seconds_count)');
    for (const sample of statements) expect(sample.metric.service).toBe(sample.metric.job);
    expect(statements.length).toBeGreaterThan(0);
  }, 60_000);

  it('evaluates every rule without an error', async () => {
    await expectEveryRuleHealthy(prometheus);
  }, 30_000);

  it('fires SubgraphDown for orders while its process is stopped, and stops once it is back', async () => {
    await expectSubgraphDownForOrders(
      prometheus,
      { stop: () => platform.stop('orders'), restart: () => platform.restart('orders') },
      traffic,
    );
  }, 300_000);
});
