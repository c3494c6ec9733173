/**
 * The subgraphs' own cost per request: CPU milliseconds and SQL statements that the five
 * subgraphs spend per gateway request, for three workloads (a catalogue page; a viewer's orders
 * across users, orders, products and payments; a viewer's recommendations, cache warm). The
 * subgraphs run in a process of their own (bench/subgraph-host.ts) whose CPU time is read before
 * and after each round; the gateway and the load generator run here. Several builds of the
 * subgraphs (e.g. a baseline checkout's dist/ and this one's) are loaded in interleaved rounds, so
 * drift in the machine's load falls on all alike. 127.0.0.1 only, bounded in time.
 *
 * Each round sends a fixed number of requests (about --seconds of the slower side's warm-up rate)
 * and waits for every answer, so no request is half counted; "net" subtracts what the host spends
 * idle (outbox relays, model polling), measured before the rounds.
 *
 *   npm run -s build && node dist/bench/subgraph-cost.js [--seconds 5] [--rounds 3] [--connections 16]
 *     [--side name=/path/to/dist/bench/subgraph-host.js ...] [--workloads catalogue,orders,recommendations]
 *     [--cpu-prof-dir dir]   (each host writes <side>-<workload>.cpuprofile there: its first measured round)
 * A baseline side is another checkout built alike (e.g. `git archive main | tar -x -C /tmp/base`,
 * node_modules linked, bench/subgraph-host.ts copied in, `npx tsc -b`). DATABASE_URL selects
 * PostgreSQL instead of PGlite: the driver creates a private database per host and drops it after.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { signToken } from '../gateway/plugins/http/auth/token';
import { startGateway, type RunningGateway } from '../gateway/server';
import { ENTITY_CACHE_DEFAULTS, RATE_LIMIT_DEFAULTS, loadConfig } from '../platform/config';
import { rootLogger, serviceLogger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { CATALOGUE_PAGE } from './interleaved';
import type { HostMessage, HostOptions } from './subgraph-host';
import { median, round } from './stats';

export const VIEWER_ORDERS = `{ me { name orders(first: 10) { edges { node { id status total { amount currency } items { quantity product { name price { amount currency } } } payment { status } } } } } }`;
export const VIEWER_RECOMMENDATIONS = `{ me { recommendations(first: 10) { score product { name price { amount currency } } } } }`;

const WORKLOADS = { catalogue: CATALOGUE_PAGE, orders: VIEWER_ORDERS, recommendations: VIEWER_RECOMMENDATIONS } as const;
type Workload = keyof typeof WORKLOADS;

const JWT_SECRET = 'bench-secret';
const INTERNAL_SECRET = 'bench-internal';
const USERS = 100;

interface Side {
  name: string;
  child: ChildProcess;
  gateway: RunningGateway;
  stats(): Promise<{ cpuMicros: number; queryCounts: Record<string, number> }>;
  profile(file: string | undefined): Promise<() => Promise<void>>;
}

async function startSide(name: string, hostScript: string, options: HostOptions): Promise<Side> {
  const child = fork(hostScript, [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: { resolve: (message: HostMessage) => void; reject: (error: Error) => void }[] = [];
  child.on('message', (message: HostMessage) => waiters.shift()?.resolve(message));
  child.on('exit', (code) => waiters.splice(0).forEach(({ reject }) => reject(new Error(`${name}: host exited with ${code}`))));
  const next = () => new Promise<HostMessage>((resolve, reject) => waiters.push({ resolve, reject }));
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`${name}: unexpected ${ready.type}`);
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: JWT_SECRET,
    internalSecret: INTERNAL_SECRET,
    subscriptionLimits: loadConfig().subscriptionLimits,
    subgraphTimeoutMs: 30_000,
    queryLimits: loadConfig().queryLimits,
    rateLimit: { ...RATE_LIMIT_DEFAULTS, enabled: false },
    // The subgraphs' cost is what is measured: cached answers would skip the fetches it is made of,
    // and so would one token's identical requests sharing their fetches.
    entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false },
    deduplicateFetches: false,
    subgraphUrls: ready.urls as Record<SubgraphName, string>,
    log: serviceLogger('gateway'),
  });
  return {
    name,
    child,
    gateway,
    async stats() {
      const answer = next();
      child.send({ type: 'stats' });
      const message = await answer;
      if (message.type !== 'stats') throw new Error(`${name}: unexpected ${message.type}`);
      return message;
    },
    async profile(file) {
      if (!file) return async () => undefined;
      child.send({ type: 'profile-start' });
      return async () => {
        const answer = next();
        child.send({ type: 'profile-stop', file });
        await answer;
      };
    },
  };
}

interface Round {
  side: string;
  workload: Workload;
  requests: number;
  errors: number;
  cpuMsPerRequest: number;
  /** cpuMsPerRequest less what the host spends idle (relays, timers) over the same time. */
  netCpuMsPerRequest: number;
  queriesPerRequest: Record<string, number>;
}

/** A fixed number of requests (every one answered when this resolves, so none is half counted), or a duration. */
async function load(
  url: string,
  query: string,
  tokens: string[] | undefined,
  size: { seconds: number } | { amount: number },
  connections: number,
) {
  let turn = 0;
  return autocannon({
    url,
    connections,
    ...('amount' in size ? { amount: size.amount } : { duration: size.seconds }),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
        setupRequest: (request) =>
          tokens ? { ...request, headers: { ...request.headers, authorization: `Bearer ${tokens[turn++ % tokens.length]}` } } : request,
      },
    ],
  });
}

/** One request outside the load, checked for errors: a bench of failing requests measures nothing. */
async function check(url: string, query: string, token: string | undefined): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { errors?: unknown[] };
  if (!response.ok || body.errors) throw new Error(`check failed (${response.status}): ${text.slice(0, 500)}`);
  return text.length;
}

function argument(args: string[], name: string): string[] {
  return args.flatMap((arg, index) => (arg === `--${name}` && args[index + 1] !== undefined ? [args[index + 1]] : []));
}

async function main() {
  rootLogger.level = 'warn';
  const args = process.argv.slice(2);
  const seconds = Number(argument(args, 'seconds')[0] ?? 5);
  const rounds = Number(argument(args, 'rounds')[0] ?? 3);
  const connections = Number(argument(args, 'connections')[0] ?? 16);
  const workloads = (argument(args, 'workloads')[0]?.split(',') ?? Object.keys(WORKLOADS)) as Workload[];
  const sides = argument(args, 'side').map((spec) => spec.split('=') as [string, string]);
  if (sides.length === 0) sides.push(['this', path.join(__dirname, 'subgraph-host.js')]);
  const modelRepository = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-subgraph-cost-models-'));
  const running: Side[] = [];
  const databases: string[] = [];
  try {
    // One after the other: the first trains the model the others find in the repository.
    for (const [name, script] of sides) {
      running.push(
        await startSide(name, script, {
          databaseUrl: await privateDatabase(process.env.DATABASE_URL, `bench_subgraph_cost_${process.pid}_${name}`, databases),
          modelRepository,
          jwtSecret: JWT_SECRET,
          internalSecret: INTERNAL_SECRET,
        }),
      );
    }
    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, i) => signToken(JWT_SECRET, { userId: `user-${String(i + 1).padStart(4, '0')}` })),
    );
    // What each host spends with no requests at all (relays, timers), so a per-request figure can be read net of it.
    // After a settling pause: a host just started still loads its model and warms its caches.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const idleBefore = await Promise.all(running.map((side) => side.stats()));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const idleAfter = await Promise.all(running.map((side) => side.stats()));
    const idleMsPerSecond: Record<string, number> = Object.fromEntries(
      running.map((side, i) => [side.name, round((idleAfter[i].cpuMicros - idleBefore[i].cpuMicros) / 1000 / 5, 1)]),
    );
    console.log(`idle CPU ms per second: ${JSON.stringify(idleMsPerSecond)}`);
    const results: Round[] = [];
    for (const workload of workloads) {
      const query = WORKLOADS[workload];
      const viewerTokens = workload === 'catalogue' ? undefined : tokens;
      const rates: number[] = [];
      for (const side of running) {
        const bytes = await check(side.gateway.url, query, viewerTokens?.[0]);
        // Warm-up: JIT, keep-alive pools, document caches, and every viewer's recommendations cached.
        const warm = await load(side.gateway.url, query, viewerTokens, { seconds: 3 }, connections);
        rates.push(warm.requests.total / 3);
        console.log(`${workload} ${side.name}: response ${bytes} bytes`);
      }
      // Every side gets the same number of requests: about `seconds` of the slower side's warm-up rate.
      const amount = Math.max(connections * 4, Math.round(Math.min(...rates) * seconds));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? running : [...running].reverse();
        for (const side of order) {
          const profileDir = argument(args, 'cpu-prof-dir')[0];
          const stopProfile = await side.profile(
            r === 0 && profileDir ? path.join(profileDir, `${side.name}-${workload}.cpuprofile`) : undefined,
          );
          const before = await side.stats();
          const started = Date.now();
          const result = await load(side.gateway.url, query, viewerTokens, { amount }, connections);
          const after = await side.stats();
          const elapsedS = (Date.now() - started) / 1000;
          await stopProfile();
          const requests = amount;
          const queriesPerRequest = Object.fromEntries(
            Object.entries(after.queryCounts).map(([name, count]) => [name, round((count - before.queryCounts[name]) / requests, 2)]),
          );
          results.push({
            side: side.name,
            workload,
            requests,
            errors: result.errors + result.non2xx,
            cpuMsPerRequest: round((after.cpuMicros - before.cpuMicros) / 1000 / requests, 3),
            netCpuMsPerRequest: round(((after.cpuMicros - before.cpuMicros) / 1000 - idleMsPerSecond[side.name] * elapsedS) / requests, 3),
            queriesPerRequest,
          });
          console.log(JSON.stringify(results[results.length - 1]));
        }
      }
    }
    console.log(
      `\nSubgraph CPU per request (median of ${rounds} rounds, ${connections} connections; net = less idle CPU), load ${os
        .loadavg()
        .map((l) => round(l, 2))
        .join(' ')}`,
    );
    for (const workload of workloads) {
      for (const side of running) {
        const mine = results.filter((r) => r.workload === workload && r.side === side.name);
        const sql = mine[mine.length - 1]?.queriesPerRequest ?? {};
        const total = round(
          Object.values(sql).reduce((a, b) => a + b, 0),
          2,
        );
        console.log(
          `${workload.padEnd(16)} ${side.name.padEnd(10)} cpu ${String(round(median(mine.map((r) => r.cpuMsPerRequest).sort((a, b) => a - b)))).padStart(7)} ms/req  net ${String(round(median(mine.map((r) => r.netCpuMsPerRequest).sort((a, b) => a - b)))).padStart(7)} ms/req  sql/req ${total} ${JSON.stringify(sql)}  errors ${mine.reduce((a, r) => a + r.errors, 0)}`,
        );
      }
    }
  } finally {
    for (const side of running) {
      await side.gateway.close();
      side.child.send({ type: 'close' });
    }
    fs.rmSync(modelRepository, { recursive: true, force: true });
    // The hosts close their pools on 'close'; FORCE ends any connection still open.
    for (const name of databases) await admin(process.env.DATABASE_URL!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A database of this run's own on the server of `baseUrl` (never another's), or undefined for PGlite. */
async function privateDatabase(baseUrl: string | undefined, name: string, created: string[]): Promise<string | undefined> {
  if (!baseUrl) return undefined;
  const safe = name.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  await admin(baseUrl, `CREATE DATABASE "${safe}"`);
  created.push(safe);
  const url = new URL(baseUrl);
  url.pathname = `/${safe}`;
  return url.toString();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
