/**
 * `npm run bench -- subgraph-client`: the CPU one subgraph fetch costs the gateway with each HTTP
 * client it could use — the one it uses (gateway/pipeline/subgraph-client.ts, an undici Pool), Apollo's
 * default (make-fetch-happen, what RemoteGraphQLDataSource builds) and Node's built-in fetch —
 * against one local HTTP server answering a small JSON body. Each client runs in a child process
 * of its own, 16 callers at a time, so its process.cpuUsage is the client's alone. 127.0.0.1 only.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { createSubgraphClient } from '../gateway/pipeline/subgraph-client';
import { fromRoot } from '../platform/paths';
import { round } from './stats';

const CLIENTS = ['undici-pool', 'apollo-default', 'node-fetch-builtin'] as const;
type ClientName = (typeof CLIENTS)[number];
const CALLERS = 16;
const BODY = JSON.stringify({ query: '{ products(first: 20) { edges { node { id name } } } }', variables: {} });

export interface SubgraphClientBenchResult {
  fetches: number;
  callers: number;
  /** CPU µs of the calling process per fetch, per client: the median of the runs. */
  cpuMicrosPerFetch: Record<ClientName, number>;
  runs: Record<ClientName, number[]>;
}

type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ text(): Promise<string> }>;

function clientFor(name: ClientName, url: string): Fetch {
  if (name === 'undici-pool') return createSubgraphClient(url).fetch as unknown as Fetch;
  if (name === 'apollo-default') return new RemoteGraphQLDataSource({ url }).fetcher as unknown as Fetch;
  return fetch;
}

/** In the child: warm up, then time `fetches` fetches and report the CPU they took. */
async function runClient(name: ClientName, url: string, fetches: number): Promise<void> {
  const send = clientFor(name, url);
  const init = () => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-viewer-claims': 'x'.repeat(300) },
    body: BODY,
    signal: AbortSignal.timeout(10_000),
  });
  const load = async (count: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (started++ < count) await (await send(url, init())).text();
      }),
    );
  };
  await load(Math.ceil(fetches / 5));
  const before = process.cpuUsage();
  await load(fetches);
  const used = process.cpuUsage(before);
  process.send!({ micros: (used.user + used.system) / fetches });
  process.exit(0);
}

export async function runSubgraphClientBench(options: { fetches?: number; runs?: number } = {}): Promise<SubgraphClientBenchResult> {
  const fetches = options.fetches ?? 10_000;
  const runCount = options.runs ?? 3;
  const answer = JSON.stringify({
    data: { products: { edges: Array.from({ length: 20 }, (_, i) => ({ node: { id: `p${i}`, name: `Product ${i}` } })) } },
  });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const runs = Object.fromEntries(CLIENTS.map((name) => [name, [] as number[]])) as Record<ClientName, number[]>;
  try {
    // Interleaved: each run goes through every client once, so drift in the machine's load falls on all.
    for (let run = 0; run < runCount; run++) {
      for (const name of CLIENTS) {
        const child = fork(__filename, ['--client', name, url, String(fetches)], { stdio: 'inherit' });
        const micros = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
          child.once('message', (message: { micros: number }) => resolve(message.micros));
          child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the ${name} client exited with ${code} before reporting`));
          });
        });
        runs[name].push(round(micros, 1));
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const result: SubgraphClientBenchResult = {
    fetches,
    callers: CALLERS,
    cpuMicrosPerFetch: Object.fromEntries(CLIENTS.map((name) => [name, medianOf(runs[name])])) as Record<ClientName, number>,
    runs,
  };
  const out = fromRoot('bench', 'results', 'subgraph-client.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export function formatSubgraphClient(result: SubgraphClientBenchResult): string {
  return [
    `CPU per subgraph fetch in the calling process (${result.callers} callers, ${result.fetches} fetches per run, median of ${result.runs['undici-pool'].length} runs)`,
    ...CLIENTS.map(
      (name) => `${name.padEnd(20)} ${String(result.cpuMicrosPerFetch[name]).padStart(8)} µs   runs: ${result.runs[name].join(', ')}`,
    ),
  ].join('\n');
}

const clientArg = process.argv.indexOf('--client');
if (clientArg >= 0) {
  const [name, url, fetches] = process.argv.slice(clientArg + 1);
  runClient(name as ClientName, url, Number(fetches)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (require.main === module) {
  runSubgraphClientBench()
    .then((result) => console.log(formatSubgraphClient(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
