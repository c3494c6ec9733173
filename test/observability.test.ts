/**
 * The rules and dashboards against a real Prometheus (Debian's `prometheus`, skipped with the reason
 * printed when it is not on PATH): the platform runs with every service's /metrics endpoint on
 * 127.0.0.1, Prometheus scrapes each as job=<service> every second and evaluates
 * observability/prometheus/rules.yml every second. Traffic through the gateway and the partner API,
 * then the orders subgraph is stopped: SubgraphDown{subgraph="orders"} must fire, and stop firing
 * once orders is back. Then every dashboard panel's query must return data: the test causes every
 * event a panel counts (a partner's webhook delivery, a popularity list and a fallback while the
 * inference server is stopped, an infer request it refuses), and exempts none.
 *
 * The embedded platform runs every service in one process with one registry, so every endpoint
 * serves the same series: the gateway's job keeps them all, every other job only `up` and its
 * process metrics (what a separate process would add), so nothing is counted twice.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { WEBHOOK_DEFAULTS } from '../platform/config';
import { fromRoot } from '../platform/paths';
import { SUBGRAPH_NAMES } from '../platform/services';
import { dashboardQueries } from '../observability/grafana/queries';
import { expectEveryRuleHealthy, expectSubgraphDownForOrders } from './support/alert-checks';
import { eventually } from './support/eventually';
import { findExecutable } from './support/executables';
import { createPartnerKey, partnerCli } from './support/partners';
import { startTestPlatform, type TestPlatform } from './support/platform';
import { type RunningPrometheus, startPrometheus } from './support/prometheus';
import { embeddedScrapeJobs } from '../observability/prometheus/scrape-config';

const prometheusBinary = findExecutable('prometheus');
if (!prometheusBinary) {
  // Straight to stderr: jest shows no console output of a file whose tests were all skipped.
  process.stderr.write(
    'test/observability.test.ts: skipped: prometheus is not on PATH (Debian: apt-get install prometheus; docs/operations.md, "Testing the rules").\n',
  );
}

/** A partner's webhook endpoint on 127.0.0.1 that accepts every delivery, and counts them. */
async function startReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received: () => received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const DASHBOARD = `{
  me {
    name
    orders(first: 3) { edges { node { total { amount } items { quantity product { name } } payment { status } } } }
    recommendations(first: 5) { productId degraded product { name } }
  }
  products(first: 5) { edges { node { id name } } }
}`;

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(30_000),
  });
  return response.json();
}

(prometheusBinary ? describe : describe.skip)('a real Prometheus scraping the platform', () => {
  let t: TestPlatform;
  let prometheus: RunningPrometheus;
  let partnerKey: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let restartedInference: RunningInferenceServer | undefined;
  let round = 0;

  /** A few operations of every kind the dashboards show: queries, an order, client errors, the partner API. */
  async function traffic(rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++, round++) {
      const token = await t.token(`user-${String((round % 20) + 1).padStart(4, '0')}`);
      const auth = { authorization: `Bearer ${token}` };
      await post(t.url, DASHBOARD, auth);
      // NOT_FOUND from the orders subgraph itself (its graphql_errors_total).
      await post(t.url, 'mutation { confirmOrder(id: "no-such-order") { id } }', auth);
      await post(t.url, '{ noSuchField }');
      await post(t.url.replace(/\/graphql$/, '/partner/graphql'), '{ products(first: 3) { edges { node { id name } } } }', {
        'x-api-key': partnerKey,
      });
      if (round % 5 === 0) await t.placeOrder(token, `observability-${round}`).catch(() => undefined);
    }
  }

  beforeAll(async () => {
    // Starting with inference trains a model first: on a busy machine that alone can take a minute.
    t = await startTestPlatform(undefined, {
      inference: true,
      // The partner's receiver listens on 127.0.0.1, which the default refuses; the worker polls often.
      config: { webhooks: { ...WEBHOOK_DEFAULTS, allowPrivateDestinations: true, pollMs: 50 } },
    });
    partnerKey = (await createPartnerKey(t, 'observability')).key;
    // The partner's orders are delivered to its webhook: partner_webhook_deliveries_total.
    receiver = await startReceiver();
    const { partners } = await t
      .client(await t.token('observability-admin', ['admin']))
      .request<{ partners: { id: string; name: string; userId: string }[] }>('{ partners { id name userId } }');
    const partner = partners.find(({ name }) => name === 'observability')!;
    const webhook = await partnerCli(t, ['webhook', partner.id, receiver.url]);
    if (webhook.code !== 0) throw new Error(`partner webhook failed: ${webhook.errors.join('\n')}`);
    await t.placeOrder(await t.token(partner.userId), 'observability-partner-order');
    await eventually(
      async () => receiver.received(),
      (received) => received > 0,
      30_000,
    );
    expect(receiver.received()).toBeGreaterThan(0);
    prometheus = await startPrometheus(
      prometheusBinary!,
      embeddedScrapeJobs({
        gatewayMetrics: t.platform.gateway.metricsUrl,
        subgraphs: t.platform.subgraphs,
        inference: t.platform.inference!.url,
      }),
      [fromRoot('observability/prometheus/rules.yml')],
    );
    await traffic(10);
  }, 240_000);

  afterAll(async () => {
    await prometheus?.close();
    await restartedInference?.close();
    await t?.close();
    await receiver?.close();
  });

  /**
   * What only a failing model makes: with the inference server stopped, a user's list comes from
   * popularity (recommendations_lists_total{served_by="popularity"}, recommendations_fallbacks_total);
   * then the server comes back on its port, and an infer request it must refuse counts in
   * inference_errors_total.
   */
  async function degradeRecommendationsOnce(): Promise<void> {
    const inference = t.platform.inference!;
    const { port } = inference;
    await inference.close();
    const token = await t.token('user-0042'); // a user the traffic never asks for: no cached list
    const answer = (await post(t.url, '{ me { recommendations(first: 5) { productId degraded } } }', {
      authorization: `Bearer ${token}`,
    })) as { data?: { me: { recommendations: { degraded: boolean }[] } } };
    expect(answer.data?.me.recommendations.every((rec) => rec.degraded)).toBe(true);
    restartedInference = await startInferenceServer({
      port,
      grpcPort: 0,
      host: '127.0.0.1',
      modelRepository: t.platform.config.modelRepository,
    });
    const refused = await fetch(`${restartedInference.url}/v2/models/recommender/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [] }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(refused.status).toBe(400);
  }

  it('scrapes every service as job=<its name> and evaluates every rule without an error', async () => {
    const up = await eventually(
      () => prometheus.query('up == 1'),
      (samples) => samples.length === 7,
      20_000,
    );
    expect(up.map((sample) => sample.metric.job).sort()).toEqual(['gateway', 'inference', ...SUBGRAPH_NAMES].sort());
    await expectEveryRuleHealthy(prometheus);
  }, 60_000);

  it('fires SubgraphDown for orders while orders is stopped, and stops once it is back', async () => {
    await expectSubgraphDownForOrders(
      prometheus,
      { stop: () => t.platform.stopSubgraph('orders'), restart: () => t.platform.restartSubgraph('orders') },
      () => traffic(1),
    );
  }, 300_000);

  // Reads what the tests before it caused too (they run in order): orders' outage is what gives its
  // unavailable and platform-error panels their series.
  it('answers every dashboard panel with data', async () => {
    await degradeRecommendationsOnce();
    // A rate needs two samples since orders and inference came back: wait until every target has answered for 5 s.
    const steady = await eventually(
      async () => {
        await traffic(1);
        return prometheus.query('min_over_time(up[5s]) == 1');
      },
      (samples) => samples.length === 7,
      30_000,
    );
    expect(steady).toHaveLength(7);
    const empty: string[] = [];
    for (const { dashboard, panel, expr } of dashboardQueries({ subgraph: 'orders', partner: '.*' })) {
      if ((await prometheus.query(expr)).length === 0) empty.push(`${dashboard}: ${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
  }, 60_000);
});
