/**
 * The README's example of a new gateway concern (gateway/plugins/examples/subgraph-fetch-header.ts)
 * given to a real gateway in front of the platform's real subgraphs: every request any subgraph
 * receives from it carries the plugin's header, and the answers are the usual ones.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startGateway, type RunningGateway } from '../gateway/server';
import { subgraphFetchHeader } from '../gateway/plugins/examples/subgraph-fetch-header';
import { ENTITY_CACHE_DEFAULTS, loadConfig } from '../platform/config';
import { rootLogger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { isGatewayPoll } from './support/gateway-poll';
import { startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';

const HEADER = 'x-example-deployment';

/** What one subgraph received from the gateway: the header's value on each GraphQL request. */
interface Recorder {
  url: string;
  seen: (string | undefined)[];
  close(): Promise<void>;
}

/** A pass-through in front of a subgraph that notes the header on every GraphQL request it forwards. */
async function recordingProxy(target: string): Promise<Recorder> {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST' && !isGatewayPoll(Buffer.concat(chunks))) seen.push(req.headers[HEADER] as string | undefined);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(
          ([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name),
        ),
      ) as Record<string, string>;
      fetch(new URL(req.url ?? '/', target), {
        method: req.method,
        headers,
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${new URL(target).pathname}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a gateway plugin that adds a header to every subgraph fetch', () => {
  let test: TestPlatform;
  let gateway: RunningGateway;
  let recorders: Record<string, Recorder>;

  beforeAll(async () => {
    test = await startTestPlatform();
    const entries = await Promise.all(
      Object.entries(test.platform.subgraphs).map(async ([name, running]) => [name, await recordingProxy(running.url)] as const),
    );
    recorders = Object.fromEntries(entries);
    const config = loadConfig();
    gateway = await startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: TEST_JWT_SECRET,
      internalSecret: 'integration-test-internal-secret',
      subgraphUrls: Object.fromEntries(entries.map(([name, recorder]) => [name, recorder.url])) as Record<SubgraphName, string>,
      subscriptionLimits: config.subscriptionLimits,
      subgraphTimeoutMs: config.subgraphTimeoutMs,
      // Every fetch reaches a subgraph: none is answered from the cache.
      entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false },
      plugins: [subgraphFetchHeader(HEADER, 'blue')],
      log: rootLogger.child({ service: 'gateway-with-example-plugin' }),
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await Promise.all(Object.values(recorders ?? {}).map((recorder) => recorder.close()));
    await test?.close();
  });

  it('sends the header with every fetch, from every subgraph a query reaches', async () => {
    // A buyer with paid orders: the query then reaches the products and payments subgraphs too.
    const [buyer] = await test.platform.db.sql.query<{ userId: string }>(
      `SELECT "userId" FROM "orders"."Order" WHERE status = 'PAID' GROUP BY "userId" ORDER BY "userId" LIMIT 1`,
    );
    const token = await test.token(buyer.userId);
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `{ me { name orders(first: 3) { edges { node { items { product { name } } payment { status } } } }
                  recommendations(first: 3) { product { name } } } }`,
      }),
    });
    const body = (await response.json()) as { data?: { me?: { name?: string } }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data?.me?.name).toEqual(expect.any(String));
    const reached = Object.entries(recorders).filter(([, recorder]) => recorder.seen.length > 0);
    expect(reached.map(([name]) => name).sort()).toEqual(['orders', 'payments', 'products', 'recommendations', 'users']);
    for (const [, recorder] of reached) expect(new Set(recorder.seen)).toEqual(new Set(['blue']));
  });

  it('is the example the README shows, verbatim', () => {
    const example = fs.readFileSync(path.join(__dirname, '..', 'gateway', 'plugins', 'examples', 'subgraph-fetch-header.ts'), 'utf8');
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
