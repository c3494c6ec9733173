/**
 * `npm run bench -- gateway`: what one request costs in the project's gateway against a bare
 * `@apollo/gateway` + `@apollo/server` (no plugins, Apollo's default subgraph fetcher, the same
 * signed viewer headers) in front of the same subgraphs. The subgraphs (embedded platform, PGlite,
 * inference server) run in one child process and every gateway in a child of its own, so each
 * process's CPU time (process.cpuUsage, read over IPC around every round) divides cleanly into
 * gateway and subgraph milliseconds per request. autocannon loads them from this process in
 * interleaved rounds (the side that goes first rotates), 127.0.0.1 only, bounded in time.
 *
 * The project gateway runs as deployed: auth (a bearer token on every request), query limits,
 * metrics and the rate limiter on (its budget raised so one load generator is never refused).
 * Workloads: `catalogue` (one subgraph), `orders` (a viewer's orders across four), and
 * `recommendations` (the viewer's, with the candidate cache warm). Inside `catalogue`, `cacheOn`
 * and `cacheOff` compare the gateway's entity cache; the `project` rows run with it off.
 * `--quick` runs short rounds for a smoke check. `--tracing` adds, to every workload, the project
 * gateway with tracing on, exporting every span (sample ratio 1.0) and 1% of traces (0.01,
 * parent-based) to an OTLP receiver in this process that reads and drops them.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import autocannon from 'autocannon';
import { jwtVerify } from 'jose';
import { signToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from '../gateway/plugins/http/auth/token';
import { startGateway } from '../gateway/server';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { DEFAULT_QUERY_LIMITS, loadConfig } from '../platform/config';
import { claimsHeaders } from '../platform/forwarded-claims';
import { quietUnlessConfigured, serviceLogger, type Logger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { startTelemetry } from '../platform/telemetry';
import { startPlatform } from '../scripts/platform';
import { BenchChild, answerParent, runAsChild } from './bench-child';
import { loadFigures, loadRound, pairRatios, perRequest, rotatingRounds, type RoundResult } from './rounds';
import { writeResults } from './results-file';
import { round, median, medianInterval } from './stats';
import { CATALOGUE_PAGE } from './interleaved';

const JWT_SECRET = 'bench-secret';
const INTERNAL_SECRET = 'bench-internal';
/** A seeded customer with orders, payments and recommendations. */
const VIEWER = 'user-0001';

export const ORDERS_PAGE = `{ me { name orders(first: 10) { edges { node { id status items { quantity product { name } } payment { status } } } } } }`;
export const RECOMMENDATIONS_PAGE = `{ me { recommendations(first: 10) { score product { name price { amount currency } } } } }`;

const WORKLOADS = { catalogue: CATALOGUE_PAGE, orders: ORDERS_PAGE, recommendations: RECOMMENDATIONS_PAGE } as const;
type Workload = keyof typeof WORKLOADS;

/** The gateways a workload is loaded on; `cacheOn` only for the catalogue; `traced…` with --tracing only. */
type Side = 'project' | 'apolloGateway' | 'cacheOn' | 'tracedAll' | 'tracedOnePercent';

/** The tracing sides' sample ratios. */
const TRACED_RATIOS = { tracedAll: 1, tracedOnePercent: 0.01 } as const;
type Role = 'subgraphs' | 'project' | 'apollo';

export interface Figures {
  rps: number;
  p99Ms: number;
  gatewayCpuMsPerRequest: number;
  subgraphCpuMsPerRequest: number;
  requests: number;
  errors: number;
}

export interface GatewayBenchResult {
  connections: number;
  secondsPerRound: number;
  rounds: number;
  /** The load averages (1, 5, 15 min) when the run started and when it ended: how shared the machine was. */
  machine: { cpus: number; loadAverageAtStart: number[]; loadAverage: number[] };
  workloads: Record<
    Workload,
    {
      project: Figures;
      apolloGateway: Figures;
      /** Project gateway CPU per request ÷ the bare gateway's, over all rounds; target ≤ 0.6. */
      gatewayCpuRatio: number;
      /** The same ratio per round pair, its median and the median's distribution-free 95% interval. */
      pairCpuRatios: number[];
      medianPairCpuRatio: number;
      interval: [number, number];
      cacheOn?: Figures;
      cacheOff?: Figures;
      /** With --tracing: the project gateway exporting spans, and its CPU per request ÷ the project's without tracing (targets ≤ 1.15 at 1.0, ≤ 1.03 at 0.01). */
      tracing?: {
        all: Figures;
        onePercent: Figures;
        allCpuRatio: number;
        onePercentCpuRatio: number;
        /** Per round pair, like pairCpuRatios. */
        allPairCpuRatios: number[];
        onePercentPairCpuRatios: number[];
      };
    }
  >;
}

// ---------------------------------------------------------------------------------------------
// The children: each starts its part, says where it listens, and answers CPU readings until told to stop.

type ToChild = { type: 'subgraphs'; urls: Record<string, string> };
type FromChild = { type: 'ready'; url?: string; urls?: Record<string, string> };

async function child(role: Role): Promise<void> {
  quietUnlessConfigured();
  const parent = answerParent<ToChild, FromChild>((message, send) => {
    void startGatewayRole(role as 'project' | 'apollo', message.urls, serviceLogger('gateway')).then((running) => {
      parent.onClose(running.close);
      send({ type: 'ready', url: running.url });
    });
  });
  if (role === 'subgraphs') {
    const platform = await startSubgraphs();
    parent.onClose(platform.close);
    parent.send({
      type: 'ready',
      urls: Object.fromEntries(Object.entries(platform.subgraphs).map(([name, running]) => [name, running.url])),
    });
  }
}

async function startSubgraphs() {
  const models = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gateway-models-'));
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    seed: { seed: 23, users: 100, products: 500, orders: 500 },
    config: {
      jwtSecret: JWT_SECRET,
      internalSecret: INTERNAL_SECRET,
      databaseUrl: undefined,
      redisUrl: undefined,
      modelRepository: models,
      recommendations: { ...loadConfig().recommendations, cache: true },
    },
  });
  return {
    subgraphs: platform.subgraphs,
    async close() {
      await platform.close();
      fs.rmSync(models, { recursive: true, force: true });
    },
  };
}

async function startGatewayRole(role: 'project' | 'apollo', urls: Record<string, string>, log: Logger) {
  if (role === 'apollo') return startBareApolloGateway(urls);
  const config = loadConfig();
  // The parent sets OTEL_* for a tracing side: as deployed, the gateway process starts tracing itself.
  const telemetry = await startTelemetry(config.telemetry, { singleService: true, database: false });
  // The parent sets ENTITY_CACHE=on|off in this process's environment; the config loader reads it.
  // The catalogue is only read here, so no change announcements are needed across the processes.
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: JWT_SECRET,
    internalSecret: INTERNAL_SECRET,
    subgraphUrls: urls as Record<SubgraphName, string>,
    subscriptionLimits: config.subscriptionLimits,
    subgraphTimeoutMs: config.subgraphTimeoutMs,
    queryLimits: DEFAULT_QUERY_LIMITS,
    // On, as deployed; one load generator would spend a client's real budget in a second.
    rateLimit: { enabled: true, points: 100_000_000, windowSeconds: 60 },
    entityCache: config.entityCache,
    // The parent sets GATEWAY_DEDUPLICATE_FETCHES=off: see runGatewayBench.
    deduplicateFetches: config.deduplicateFetches,
    tracing: telemetry?.forService('gateway'),
    clientTraceparent: config.telemetry.clientTraceparent,
    log,
  });
  return {
    url: gateway.url,
    close: async () => {
      await gateway.close();
      await telemetry?.shutdown();
    },
  };
}

/** The baseline: Apollo's gateway and server as their docs set them up, plus the same forwarded claims. */
async function startBareApolloGateway(urls: Record<string, string>) {
  type Context = { viewer: { userId?: string; roles: string[] } };
  const VIEWER_HEADER = 'x-bench-viewer';
  class SignedSource extends RemoteGraphQLDataSource<Context> {
    constructor(
      private readonly name: string,
      url: string,
    ) {
      super({ url });
      const send = this.fetcher;
      this.fetcher = (async (input: Parameters<typeof send>[0], init?: Parameters<typeof send>[1]) => {
        const headers = { ...((init?.headers ?? {}) as Record<string, string>) };
        const viewer = JSON.parse(headers[VIEWER_HEADER] ?? '{"roles":[]}') as { userId?: string; roles: [] };
        delete headers[VIEWER_HEADER];
        const body = typeof init?.body === 'string' ? init.body : '';
        const signed = await claimsHeaders(viewer, { secret: INTERNAL_SECRET, issuer: 'gateway', audience: this.name, body });
        return send(input, { ...init, headers: { ...headers, ...signed } });
      }) as typeof send;
    }
    override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<Context>['willSendRequest']>>[0]) {
      request.http?.headers.set(VIEWER_HEADER, JSON.stringify(context.viewer ?? { roles: [] }));
    }
  }
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(SUPERGRAPH_SDL, 'utf8'),
    buildService: ({ name, url }) => new SignedSource(name, urls[name] ?? url ?? ''),
  });
  const server = new ApolloServer<Context>({ gateway, stopOnTerminationSignals: false });
  const key = new TextEncoder().encode(JWT_SECRET);
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => {
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token) return { viewer: { roles: [] } };
      const { payload } = await jwtVerify(token, key, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
      return { viewer: { userId: payload.sub, roles: (payload.roles as string[]) ?? [] } };
    },
  });
  return { url, close: () => server.stop() };
}

// ---------------------------------------------------------------------------------------------
// The parent: starts the children, loads them, reads their CPU.

/** A bench child of this module; GATEWAY_BENCH_PROFILE=<dir> writes a V8 CPU profile of one side's gateway there. */
class Child extends BenchChild<ToChild, FromChild> {
  constructor(role: Role, env: Record<string, string> = {}, side?: Side) {
    // The `project` side's unless GATEWAY_BENCH_PROFILE_SIDE names another (see docs/benchmarks.md).
    const profile = process.env.GATEWAY_BENCH_PROFILE && side === (process.env.GATEWAY_BENCH_PROFILE_SIDE ?? 'project');
    super(__filename, role, { env, execArgv: profile ? ['--cpu-prof', '--cpu-prof-dir', process.env.GATEWAY_BENCH_PROFILE!] : [] });
  }

  async ready(timeoutMs = 300_000): Promise<FromChild> {
    const message = await this.next(timeoutMs);
    if (message.type !== 'ready') throw new Error('a bench child did not start');
    return message;
  }

  async startGateway(urls: Record<string, string>): Promise<string> {
    const message = await this.ask({ type: 'subgraphs', urls }, 'ready', 60_000);
    if (!message.url) throw new Error('the gateway child did not start');
    return message.url;
  }
}

export interface GatewayBenchOptions {
  /** Round pairs per workload. */
  rounds?: number;
  secondsPerRound?: number;
  connections?: number;
  /** Also load the project gateway with tracing exporting at sample ratios 1.0 and 0.01. */
  tracing?: boolean;
}

/** An OTLP/HTTP receiver that reads every export and drops it: the tracing sides' collector, in the load generator's process. */
async function startSpanSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function runGatewayBench(options: GatewayBenchOptions = {}): Promise<GatewayBenchResult> {
  const pairs = options.rounds ?? 10;
  const seconds = options.secondsPerRound ?? 4;
  const connections = options.connections ?? 16;
  const token = await signToken(JWT_SECRET, { userId: VIEWER, roles: ['customer'] });
  const loadAverageAtStart = os.loadavg().map((load) => round(load, 2));
  const subgraphs = new Child('subgraphs', { OTEL_SDK_DISABLED: 'true' });
  const gateways: Partial<Record<Side, Child>> = {};
  const sink = options.tracing ? await startSpanSink() : undefined;
  try {
    const ready = await subgraphs.ready();
    if (ready.type !== 'ready' || !ready.urls) throw new Error('the subgraphs did not start');
    // Tracing off for the untraced sides, whatever this shell exports. Fetch deduplication off on
    // every side: one token's identical requests at once would share their fetches, which the bare
    // Apollo side cannot, and this bench measures what one request costs (`npm run bench -- federation`
    // measures deduplication on and off).
    const noDedup = { GATEWAY_DEDUPLICATE_FETCHES: 'off' };
    gateways.project = new Child('project', { ...noDedup, ENTITY_CACHE: 'off', OTEL_SDK_DISABLED: 'true' }, 'project');
    gateways.apolloGateway = new Child('apollo', {}, 'apolloGateway');
    gateways.cacheOn = new Child('project', { ...noDedup, ENTITY_CACHE: 'on', OTEL_SDK_DISABLED: 'true' }, 'cacheOn');
    if (sink) {
      for (const [side, ratio] of Object.entries(TRACED_RATIOS) as [Side, number][]) {
        gateways[side] = new Child(
          'project',
          {
            ...noDedup,
            ENTITY_CACHE: 'off',
            OTEL_SDK_DISABLED: 'false',
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sink.url,
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: String(ratio),
          },
          side,
        );
      }
    }
    const urls = {} as Record<Side, string>;
    for (const [side, gateway] of Object.entries(gateways) as [Side, Child][]) urls[side] = await gateway.startGateway(ready.urls);

    const load = (url: string, query: string, duration: number) =>
      ({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
        connections,
        duration,
      }) as const;
    const measure = (side: Side, query: string) =>
      loadRound(load(urls[side], query, seconds), async () => {
        const [gateway, subgraph] = await Promise.all([gateways[side]!.cpuMicros(), subgraphs.cpuMicros()]);
        return { gatewayMicros: gateway, subgraphMicros: subgraph };
      });

    const workloads = {} as GatewayBenchResult['workloads'];
    // GATEWAY_BENCH_WORKLOADS=catalogue,orders runs only those (profiling one workload).
    const only = process.env.GATEWAY_BENCH_WORKLOADS?.split(',');
    for (const [name, query] of Object.entries(WORKLOADS) as [Workload, string][]) {
      if (only && !only.includes(name)) continue;
      const sides: Side[] = [
        'project',
        'apolloGateway',
        ...(name === 'catalogue' ? (['cacheOn'] as const) : []),
        ...(sink ? (['tracedAll', 'tracedOnePercent'] as const) : []),
      ];
      // Every side must answer the query in full before it is timed: an error answer is cheap.
      for (const side of sides) await checkAnswers(urls[side], query, token);
      // Warm-up: JIT, keep-alive pools, Apollo's plan and document caches, the recommendation cache.
      for (const side of sides) await autocannon(load(urls[side], query, 2));
      const rounds = await rotatingRounds(sides, pairs, (side) => measure(side, query));
      const cpuRatios = (side: Side, baseline: Side) => pairRatios(rounds[side], rounds[baseline], 'gatewayMicros');
      const pairCpuRatios = cpuRatios('project', 'apolloGateway');
      const sorted = [...pairCpuRatios].sort((a, b) => a - b);
      const project = figures(rounds.project);
      const apolloGateway = figures(rounds.apolloGateway);
      workloads[name] = {
        project,
        apolloGateway,
        gatewayCpuRatio: round(project.gatewayCpuMsPerRequest / apolloGateway.gatewayCpuMsPerRequest, 3),
        pairCpuRatios,
        medianPairCpuRatio: round(median(sorted), 3),
        interval: medianInterval(sorted),
        // The project gateway runs with the entity cache off: its rounds are the cache-off rows.
        ...(name === 'catalogue' ? { cacheOn: figures(rounds.cacheOn), cacheOff: project } : {}),
        ...(sink ? { tracing: tracingFigures(project, figures(rounds.tracedAll), figures(rounds.tracedOnePercent), cpuRatios) } : {}),
      };
    }
    const result: GatewayBenchResult = {
      connections,
      secondsPerRound: seconds,
      rounds: pairs,
      machine: { cpus: os.cpus().length, loadAverageAtStart, loadAverage: os.loadavg().map((load) => round(load, 2)) },
      workloads,
    };
    writeResults('gateway', result);
    return result;
  } finally {
    await Promise.all(Object.values(gateways).map((gateway) => gateway.close()));
    await subgraphs.close();
    await sink?.close();
  }
}

function tracingFigures(project: Figures, all: Figures, onePercent: Figures, cpuRatios: (side: Side, baseline: Side) => number[]) {
  return {
    all,
    onePercent,
    allCpuRatio: round(all.gatewayCpuMsPerRequest / project.gatewayCpuMsPerRequest, 3),
    onePercentCpuRatio: round(onePercent.gatewayCpuMsPerRequest / project.gatewayCpuMsPerRequest, 3),
    allPairCpuRatios: cpuRatios('tracedAll', 'project'),
    onePercentPairCpuRatios: cpuRatios('tracedOnePercent', 'project'),
  };
}

function figures(rounds: RoundResult[]): Figures {
  const { rps, p99Ms, requests, errors } = loadFigures(rounds);
  return {
    rps,
    p99Ms,
    gatewayCpuMsPerRequest: perRequest(rounds, 'gatewayMicros', 1000),
    subgraphCpuMsPerRequest: perRequest(rounds, 'subgraphMicros', 1000),
    requests,
    errors,
  };
}

async function checkAnswers(url: string, query: string, token: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data)
    throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
}

export function formatGateway(result: GatewayBenchResult): string {
  const header = `${'workload'.padEnd(16)}${'gateway'.padEnd(15)}${'req/s'.padStart(8)}${'p99 ms'.padStart(9)}${'gw CPU ms/req'.padStart(15)}${'subgraph CPU ms/req'.padStart(21)}`;
  const row = (workload: string, side: string, f: Figures) =>
    `${workload.padEnd(16)}${side.padEnd(15)}${String(f.rps).padStart(8)}${String(f.p99Ms).padStart(9)}${String(f.gatewayCpuMsPerRequest).padStart(15)}${String(f.subgraphCpuMsPerRequest).padStart(21)}${f.errors ? `  (${f.errors} errors)` : ''}`;
  const lines = [
    `Gateway cost per request (${result.connections} connections, ${result.rounds} interleaved rounds of ${result.secondsPerRound} s; ${result.machine.cpus} CPUs, load average ${result.machine.loadAverageAtStart[0]} at the start, ${result.machine.loadAverage[0]} at the end)`,
    header,
  ];
  for (const [name, w] of Object.entries(result.workloads)) {
    lines.push(row(name, 'project', w.project), row(name, 'apolloGateway', w.apolloGateway));
    if (w.cacheOn) lines.push(row(name, 'cacheOn', w.cacheOn));
    if (w.tracing) {
      lines.push(row(name, 'traced 1.0', w.tracing.all), row(name, 'traced 0.01', w.tracing.onePercent));
      lines.push(
        `${''.padEnd(16)}traced ÷ project CPU per request: ${w.tracing.allCpuRatio} at 1.0 (target ≤ 1.15), ${w.tracing.onePercentCpuRatio} at 0.01 (target ≤ 1.03)`,
      );
    }
    lines.push(
      `${''.padEnd(16)}project ÷ bare gateway CPU per request: ${w.gatewayCpuRatio} (per-pair median ${w.medianPairCpuRatio}, 95% interval ${w.interval[0]}–${w.interval[1]}; target ≤ 0.6)`,
    );
  }
  return lines.join('\n');
}

if (!runAsChild((role) => child(role as Role)) && require.main === module) {
  const quick = process.argv.includes('--quick');
  const tracing = process.argv.includes('--tracing');
  runGatewayBench({ ...(quick ? { rounds: 2, secondsPerRound: 3 } : {}), tracing })
    .then((result) => console.log(formatGateway(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
