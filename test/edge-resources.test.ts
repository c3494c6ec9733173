/**
 * What an anonymous client's requests may leave behind at the edge, on real servers: the cost memo
 * keeps only what a cost depends on, within its byte bound; thousands of distinct paths or unknown
 * model names add no series to /metrics; the gateway's /metrics is on a listener of its own; and
 * /readyz runs one readiness check at a time, its verdict reused briefly.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { startGateway, type RunningGateway } from '../gateway/server';
import { DEFAULT_QUERY_LIMITS, RATE_LIMIT_DEFAULTS } from '../platform/config';
import { READINESS_TTL_MS } from '../platform/http';
import { serviceLogger } from '../platform/logger';

interface Answer {
  status: number;
  body: { errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** The series of one metric family on a /metrics page (sample lines, any labels). */
const seriesOf = (text: string, name: string) =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
/** Sample lines, leaving out the process's own (prom-client's default metrics, whose GC kinds appear as they first happen). */
const sampleCount = (text: string) => text.split('\n').filter((line) => line !== '' && !/^(#|nodejs_|process_)/.test(line)).length;

/** `count` requests, `width` at a time. */
async function inWaves<T>(count: number, width: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const answers: T[] = [];
  for (let start = 0; start < count; start += width) {
    answers.push(...(await Promise.all(Array.from({ length: Math.min(width, count - start) }, (_, k) => send(start + k)))));
  }
  return answers;
}

describe('the gateway under anonymous requests', () => {
  const MEMO_BYTES = 16 * 1024;
  let gateway: RunningGateway;
  let base: string;
  /** Stands in for all five subgraphs: counts readiness checks; its ready answer is what `subgraphsReady` says. */
  let standIn: http.Server;
  let readinessChecks = 0;
  let subgraphsReady = true;

  beforeAll(async () => {
    standIn = http.createServer((req, res) => {
      if (req.url === '/readyz') readinessChecks++;
      res.statusCode = req.url === '/readyz' && subgraphsReady ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const subgraph = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}/graphql`;
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      metricsPort: 0,
      jwtSecret: 'edge-resources-test',
      internalSecret: 'edge-resources-test-internal',
      subgraphUrls: { users: subgraph, products: subgraph, orders: subgraph, payments: subgraph, recommendations: subgraph },
      subscriptionLimits: { perConnection: 1, total: 1 },
      queryLimits: { ...DEFAULT_QUERY_LIMITS, costMemoBytes: MEMO_BYTES },
      // Thousands of requests from one address: the rate limit has tests of its own.
      rateLimit: { ...RATE_LIMIT_DEFAULTS, enabled: false },
      subgraphTimeoutMs: 2_000,
      log: serviceLogger('gateway'),
    });
    base = gateway.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => standIn?.close(resolve));
  });

  const metricsPage = async () => (await fetch(gateway.metricsUrl)).text();
  const memoBytes = async () => {
    const [line] = seriesOf(await metricsPage(), 'gateway_cost_memo_bytes').filter((l) => l.includes('memo="limits"'));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  const post = async (query: string, variables?: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };

  it('remembers a cost verdict without the undeclared variables that came with it', async () => {
    // Four small queries, each sent again and again with close to 1 MB of variables no operation declares.
    const queries = [
      '{ products(first: 20000) { edges { node { id } } } }',
      '{ products(first: 30000) { edges { node { id name } } } }',
      'query Big { products(first: 40000) { edges { node { id } } } }',
      'query ($id: ID!) { product(id: $id) { similar(first: 100000) { score } } }',
    ];
    const padding = 'x'.repeat(900_000);
    const answers = await inWaves(40, 4, (i) => post(queries[i % 4], { id: `product-${i}`, [`pad${i}`]: padding }));
    // Each is over the cost limit: refused from the verdict, whether walked or remembered.
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 400, body: { errors: [{ extensions: { code: 'LIMIT_EXCEEDED', queryLimit: 'cost' } }] } });
    }
    const bytes = await memoBytes();
    // Four verdicts of a few hundred bytes each, none of them holding a variable.
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(4 * 400);
  });

  it('stays within its byte bound over many distinct page sizes, every verdict right', async () => {
    const query = 'query Page($first: Int!) { products(first: $first) { edges { node { id } } } }';
    // products(first: n) { edges { node { id } } } costs 4n; over 50,000 from n = 12,501.
    const sizes = Array.from({ length: 400 }, (_, i) => 12_501 + i * 7);
    const answers = await inWaves(sizes.length, 8, (i) => post(query, { first: sizes[i] }));
    answers.forEach((answer, i) => expect(answer.body.errors?.[0]?.extensions).toMatchObject({ queryLimit: 'cost', value: 4 * sizes[i] }));
    const bytes = (await memoBytes())!;
    expect(bytes).toBeGreaterThan(MEMO_BYTES / 2);
    expect(bytes).toBeLessThanOrEqual(MEMO_BYTES);
    // Forgotten verdicts are walked again, to the same answer; one under the limit is let through.
    expect((await post(query, { first: sizes[0] })).body.errors?.[0]?.extensions).toMatchObject({ value: 4 * sizes[0] });
    const within = await post(query, { first: 12_500 });
    expect(within.body.errors?.map((error) => error.extensions?.code)).not.toContain('LIMIT_EXCEEDED');
  });

  it('counts thousands of distinct unknown paths under one route label, with a fixed 404', async () => {
    const before = await metricsPage();
    const paths = (i: number) =>
      [`/nope-${i}`, `/dashboard/nope-${i}`, `/DASHBOARD/nope-${i}`, `/ide/vendor/react/nope-${i}`, `/partner/nope-${i}`][i % 5];
    const answers = await inWaves(3000, 50, async (i) => {
      const response = await fetch(`${base}${paths(i)}`, { method: i % 2 ? 'GET' : 'POST' });
      return { status: response.status, text: await response.text() };
    });
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.text).not.toMatch(/nope/);
    }
    expect(answers[0].text).toBe(JSON.stringify({ errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }] }));
    const after = await metricsPage();
    expect(after).not.toMatch(/nope/);
    const name = 'http_request_duration_seconds_count';
    const added = seriesOf(after, name).filter(
      (line) => !seriesOf(before, name).some((old) => old.startsWith(line.slice(0, line.lastIndexOf(' ')))),
    );
    // At most the unmatched route's method × status pairs.
    expect(added.length).toBeLessThanOrEqual(4);
    expect(seriesOf(after, name).filter((line) => line.includes('route="unmatched"')).length).toBeGreaterThan(0);
    expect(sampleCount(after) - sampleCount(before)).toBeLessThanOrEqual(4 * 14);
  });

  it('labels mounted handlers by their mount path, whatever the case of the URL', async () => {
    for (const file of ['/dashboard/', '/DashBoard/', '/DASHBOARD/']) expect((await fetch(`${base}${file}`)).status).toBe(200);
    const lines = seriesOf(await metricsPage(), 'http_request_duration_seconds_count').filter((line) => /route="\/dashboard"/i.test(line));
    expect(lines.map((line) => /route="([^"]*)"/.exec(line)![1])).toEqual(['/dashboard']);
  });

  it('serves /metrics on its own listener and not on the public port', async () => {
    expect(new URL(gateway.metricsUrl).port).not.toBe(new URL(base).port);
    const publicAnswer = await fetch(`${base}/metrics`);
    expect(publicAnswer.status).toBe(404);
    expect(await publicAnswer.text()).not.toMatch(/http_request_duration_seconds/);
    const scrape = await fetch(gateway.metricsUrl);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await scrape.text()).toMatch(/^http_request_duration_seconds_count\{service="gateway"/m);
    // Nothing else is served there.
    expect((await fetch(gateway.metricsUrl.replace(/\/metrics$/, '/graphql'))).status).toBe(404);
  });

  it('answers /readyz from one check at a time, its verdict reused for a moment', async () => {
    await new Promise((resolve) => setTimeout(resolve, READINESS_TTL_MS + 50));
    readinessChecks = 0;
    const started = performance.now();
    const answers = await inWaves(300, 50, () => fetch(`${base}/readyz`).then((response) => response.status));
    const elapsed = performance.now() - started;
    expect(new Set(answers)).toEqual(new Set([200]));
    // Five subgraphs asked once per check; one check per TTL at most while this burst lasted.
    const checks = readinessChecks / 5;
    expect(checks).toBeGreaterThanOrEqual(1);
    expect(checks).toBeLessThanOrEqual(Math.ceil(elapsed / READINESS_TTL_MS) + 1);
    // A change shows within the TTL.
    subgraphsReady = false;
    await new Promise((resolve) => setTimeout(resolve, READINESS_TTL_MS + 50));
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    subgraphsReady = true;
  });
});

describe('the inference server under unknown model names', () => {
  let server: RunningInferenceServer;
  let repository: string;

  beforeAll(async () => {
    repository = fs.mkdtempSync(path.join(os.tmpdir(), 'models-empty-'));
    server = await startInferenceServer({ port: 0, host: '127.0.0.1', modelRepository: repository, pollIntervalMs: 0 });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(repository, { recursive: true, force: true });
  });

  it('adds no series for model names and versions taken from URLs', async () => {
    const page = async () => (await fetch(`${server.url}/metrics`)).text();
    const body = JSON.stringify({ inputs: [{ name: 'user', datatype: 'INT64', shape: [1], data: [1] }] });
    // One request of each shape first: the HTTP host's request-duration histogram gets one series per
    // route pattern, method and status, a bounded set. What must not grow after it is anything per name.
    for (const url of [`${server.url}/v2/models/warm-up`, `${server.url}/v2/models/warm-up/versions/1`]) {
      await (await fetch(url)).arrayBuffer();
      await (await fetch(`${url}/infer`, { method: 'POST', body })).arrayBuffer();
    }
    await page();
    const before = sampleCount(await page());
    const statuses = await inWaves(1000, 50, async (i) => {
      const url = `${server.url}/v2/models/model-${i}${i % 2 ? `/versions/${i}` : ''}`;
      const response = i % 3 ? await fetch(`${url}/infer`, { method: 'POST', body }) : await fetch(url);
      await response.arrayBuffer();
      return response.status;
    });
    expect(new Set(statuses)).toEqual(new Set([400]));
    const after = await page();
    expect(after).not.toMatch(/model-\d/);
    expect(sampleCount(after)).toBe(before);
  });
});
