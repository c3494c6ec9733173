/**
 * `npm run bench -- federation`: the public federation gateways benchmark
 * (graphql-hive/graphql-gateways-benchmark; ChilliCream's gateway benchmarks run the same workload)
 * re-created here: its four subgraphs in Node with its schemas and data (bench/federation/), its one
 * nested query as its k6 script sends it, 50 connections. Sides, each gateway in a child process
 * of its own (bench/federation/gateways.ts):
 * - `project` / `projectNoDedup`: the project's gateway as deployed, GATEWAY_DEDUPLICATE_FETCHES
 *   on / off in its environment (until the switch exists both run alike);
 * - `apollo`: plain `@apollo/gateway` + `@apollo/server`, the baseline every ratio divides by;
 * - `hive` / `hiveNoDedup`: Hive Gateway + `@graphql-hive/router-runtime` (Rust planner), its
 *   in-flight deduplication of subgraph fetches on (its default) / off;
 * - with `--hive-inbound`, also `hiveInbound`: Hive sharing whole identical in-flight requests too.
 * Before any load every side's answer is checked against plain Apollo's (the project's byte for
 * byte, Hive's after JSON.parse) and the run stops at a difference. Then interleaved rounds,
 * the side that goes first rotating; each process's CPU time is read over IPC around every round
 * (bench/bench-child.ts), and the subgraphs count the fetches they answer. `--quick`: a smoke run.
 * FEDERATION_BENCH_PROFILE=<dir> writes a V8 CPU profile of one side's gateway there (the
 * `project` side's unless FEDERATION_BENCH_PROFILE_SIDE names another).
 */
import 'reflect-metadata';
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { loadConfig } from '../platform/config';
import { quietUnlessConfigured, serviceLogger } from '../platform/logger';
import { answerParent, BenchChild, runAsChild } from './bench-child';
import type { RunningBenchGateway } from './federation/project-gateway';
import { BENCHMARK_BODY } from './federation/query';
import { startBenchmarkSubgraphs } from './federation/server';
import type { BenchmarkSubgraphName } from './federation/subgraphs';
import { composeBenchmarkSupergraph } from './federation/supergraph';
import { loadFigures, loadRound, pairRatios, perRequest, rotatingRounds, settled, type LoadFigures, type RoundResult } from './rounds';
import { writeResults } from './results-file';
import { median, medianInterval, round } from './stats';

const SIDES = {
  project: { role: 'project', env: { GATEWAY_DEDUPLICATE_FETCHES: 'on' } },
  projectNoDedup: { role: 'project', env: { GATEWAY_DEDUPLICATE_FETCHES: 'off' } },
  apollo: { role: 'apollo', env: {} },
  hive: { role: 'hive', env: {}, hive: { deduplicateFetches: true } },
  hiveNoDedup: { role: 'hive', env: {}, hive: { deduplicateFetches: false } },
  hiveInbound: { role: 'hive', env: {}, hive: { deduplicateFetches: true, deduplicateRequests: true } },
} as const;
export type FederationSide = keyof typeof SIDES;
type Role = 'subgraphs' | (typeof SIDES)[FederationSide]['role'];

/** The benchmark's load: 50 virtual users, each sending its next request when the last is answered. */
const CONNECTIONS = 50;
const BENCH_SECRETS = { JWT_SECRET: 'federation-bench-jwt-secret', INTERNAL_SECRET: 'federation-bench-internal-secret' };

export interface SideFigures extends LoadFigures {
  gatewayCpuMsPerRequest: number;
  subgraphCpuMsPerRequest: number;
  /** Subgraph fetches per answered request under load (deduplication merges concurrent ones). */
  fetchesPerRequest: number;
  /** Subgraph fetches for one request on an idle gateway: the plan's own count. */
  fetchesAlone: number;
  /** How its answer compared with plain Apollo's. */
  answer: 'identical bytes' | 'identical bytes but for a trailing newline' | 'equal after JSON.parse';
}

export interface Ratio {
  /** Over all rounds. */
  ratio: number;
  /** Per round pair, their median and its distribution-free 95% interval. */
  pairs: number[];
  median: number;
  interval: [number, number];
}

export interface FederationBenchResult {
  connections: number;
  secondsPerRound: number;
  rounds: number;
  machine: { cpus: number; node: string; loadAverageAtStart: number[]; loadAverage: number[] };
  /** The project gateway's query cost limit in this run (GATEWAY_MAX_COST, default 50,000). */
  projectMaxCost: number;
  answerBytes: number;
  sides: Partial<Record<FederationSide, SideFigures>>;
  /** Each side ÷ plain Apollo: gateway CPU per request and requests per second. */
  versusApollo: Partial<Record<FederationSide, { cpu: Ratio; rps: number }>>;
  /** The project's gateway CPU per request ÷ Hive's, deduplication on for both and off for both. */
  projectVersusHive: { dedupOn: Ratio; dedupOff: Ratio };
}

export interface FederationBenchOptions {
  rounds?: number;
  secondsPerRound?: number;
  warmupSeconds?: number;
  hiveInbound?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The children.

type Ask =
  { type: 'start'; supergraphSdl: string; side: FederationSide; urls: Record<BenchmarkSubgraphName, string> } | { type: 'fetches' };
type Answer = { type: 'ready'; url?: string; urls?: Record<BenchmarkSubgraphName, string> } | { type: 'fetches'; total: number };

async function child(role: Role): Promise<void> {
  quietUnlessConfigured();
  if (role === 'subgraphs') {
    const subgraphs = await startBenchmarkSubgraphs();
    const total = () => Object.values(subgraphs.fetches()).reduce((sum, n) => sum + n, 0);
    const parent = answerParent<Ask, Answer>((message, send) => {
      if (message.type === 'fetches') send({ type: 'fetches', total: total() });
    });
    parent.onClose(subgraphs.close);
    parent.send({ type: 'ready', urls: subgraphs.urls });
    return;
  }
  const parent = answerParent<Ask, Answer>((message, send) => {
    if (message.type !== 'start') return;
    startSide(message.side, message.supergraphSdl, message.urls).then(
      (running) => {
        parent.onClose(running.close);
        send({ type: 'ready', url: running.url });
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

/** Each child loads only its own gateway's modules, in the order that gateway's users load them. */
async function startSide(
  side: FederationSide,
  supergraphSdl: string,
  urls: Record<BenchmarkSubgraphName, string>,
): Promise<RunningBenchGateway> {
  const definition = SIDES[side];
  if (definition.role === 'apollo') return (await import('./federation/gateways.js')).startPlainApolloGateway(supergraphSdl);
  if ('hive' in definition) return (await import('./federation/gateways.js')).startHiveGateway(supergraphSdl, definition.hive);
  return (await import('./federation/project-gateway.js')).startProjectGateway(supergraphSdl, urls, serviceLogger('gateway'));
}

class Child extends BenchChild<Ask, Answer> {
  constructor(role: Role, env: Record<string, string> = {}, profile = false) {
    super(__filename, role, { env, execArgv: profile ? ['--cpu-prof', '--cpu-prof-dir', process.env.FEDERATION_BENCH_PROFILE!] : [] });
  }

  async ready(timeoutMs: number): Promise<Extract<Answer, { type: 'ready' }>> {
    const message = await this.next(timeoutMs);
    if (message.type !== 'ready') throw new Error(`the ${this.role} child did not start`);
    return message as Extract<Answer, { type: 'ready' }>;
  }

  async fetches(): Promise<number> {
    return (await this.ask({ type: 'fetches' }, 'fetches', 10_000)).total;
  }
}

// ---------------------------------------------------------------------------------------------
// The parent.

async function post(url: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BENCHMARK_BODY,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** How `text` compares with plain Apollo's answer; throws where they differ. */
export function compareAnswers(side: FederationSide, text: string, apollo: string): SideFigures['answer'] {
  if (text === apollo) return 'identical bytes';
  if (side.startsWith('project')) {
    let at = 0;
    while (at < text.length && text[at] === apollo[at]) at++;
    throw new Error(
      `${side} answered other bytes than plain Apollo (${text.length} against ${apollo.length}), first at ${at}: …${text.slice(Math.max(0, at - 80), at + 80)}…`,
    );
  }
  if (!isDeepStrictEqual(JSON.parse(text), JSON.parse(apollo))) {
    throw new Error(`${side}'s answer differs from plain Apollo's after JSON.parse: ${text.slice(0, 300)}…`);
  }
  return text.trimEnd() === apollo.trimEnd() ? 'identical bytes but for a trailing newline' : 'equal after JSON.parse';
}

function ratio(subject: RoundResult[], baseline: RoundResult[], counter: string): Ratio {
  const pairs = pairRatios(subject, baseline, counter);
  const sorted = [...pairs].sort((a, b) => a - b);
  return {
    ratio: round(perRequest(subject, counter, 1, 6) / perRequest(baseline, counter, 1, 6), 3),
    pairs,
    median: round(median(sorted), 3),
    interval: medianInterval(sorted),
  };
}

export async function runFederationBench(options: FederationBenchOptions = {}): Promise<FederationBenchResult> {
  const pairs = options.rounds ?? 6;
  const seconds = options.secondsPerRound ?? 6;
  const warmup = options.warmupSeconds ?? 3;
  const sideNames = (Object.keys(SIDES) as FederationSide[]).filter((side) => side !== 'hiveInbound' || options.hiveInbound);
  const loadAverageAtStart = os.loadavg().map((load) => round(load, 2));
  const subgraphs = new Child('subgraphs');
  const gateways: Partial<Record<FederationSide, Child>> = {};
  try {
    const ready = await subgraphs.ready(60_000);
    if (!ready.urls) throw new Error('the subgraphs did not start');
    const supergraphSdl = composeBenchmarkSupergraph(ready.urls);
    const urls = {} as Record<FederationSide, string>;
    const profiled = process.env.FEDERATION_BENCH_PROFILE ? (process.env.FEDERATION_BENCH_PROFILE_SIDE ?? 'project') : undefined;
    for (const side of sideNames) {
      const env = {
        // As the benchmark runs its gateways; the project's then wants real-looking secrets.
        NODE_ENV: 'production',
        ...BENCH_SECRETS,
        OTEL_SDK_DISABLED: 'true',
        // @apollo/gateway would report usage to Apollo: nothing leaves this machine.
        APOLLO_TELEMETRY_DISABLED: 'true',
        ...SIDES[side].env,
      };
      const gateway = new Child(SIDES[side].role, env, side === profiled);
      gateways[side] = gateway;
      const started = await gateway.ask({ type: 'start', supergraphSdl, side, urls: ready.urls }, 'ready', 120_000);
      urls[side] = started.url!;
    }

    // Every answer against plain Apollo's before any load: a cheap wrong answer must not be timed.
    const apolloAnswer = await post(urls.apollo);
    const parsed = JSON.parse(apolloAnswer) as { data?: unknown; errors?: unknown[] };
    if (parsed.errors || !parsed.data) throw new Error(`plain Apollo answered errors: ${apolloAnswer.slice(0, 500)}`);
    const answers = {} as Record<FederationSide, SideFigures['answer']>;
    const fetchesAlone = {} as Record<FederationSide, number>;
    for (const side of sideNames) {
      const before = await subgraphs.fetches();
      answers[side] = compareAnswers(side, await post(urls[side]), apolloAnswer);
      fetchesAlone[side] = (await subgraphs.fetches()) - before;
    }

    const load = (side: FederationSide, duration: number) =>
      ({
        url: urls[side],
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BENCHMARK_BODY,
        connections: CONNECTIONS,
        duration,
      }) as const;
    // Warm-up: JIT, keep-alive pools, plan and document caches.
    for (const side of sideNames) {
      await autocannon(load(side, warmup));
      await settled(() => subgraphs.fetches());
    }
    const window = { skipMs: Math.min(1000, seconds * 200), beforeEndMs: 250 };
    const rounds = await rotatingRounds(sideNames, pairs, async (side) => {
      const result = await loadRound(
        load(side, seconds),
        async () => {
          const [gatewayMicros, subgraphMicros, fetches] = await Promise.all([
            gateways[side]!.cpuMicros(),
            subgraphs.cpuMicros(),
            subgraphs.fetches(),
          ]);
          return { gatewayMicros, subgraphMicros, fetches };
        },
        window,
      );
      // The requests cut off at the round's end still reach the subgraphs: not in the next side's round.
      await settled(() => subgraphs.fetches());
      return result;
    });

    const sides: FederationBenchResult['sides'] = {};
    const versusApollo: FederationBenchResult['versusApollo'] = {};
    for (const side of sideNames) {
      sides[side] = {
        ...loadFigures(rounds[side]),
        gatewayCpuMsPerRequest: perRequest(rounds[side], 'gatewayMicros', 1000),
        subgraphCpuMsPerRequest: perRequest(rounds[side], 'subgraphMicros', 1000),
        fetchesPerRequest: perRequest(rounds[side], 'fetches', 1, 2),
        fetchesAlone: fetchesAlone[side],
        answer: answers[side],
      };
    }
    for (const side of sideNames) {
      versusApollo[side] = {
        cpu: ratio(rounds[side], rounds.apollo, 'gatewayMicros'),
        rps: round(sides[side]!.rps / sides.apollo!.rps, 3),
      };
    }
    const result: FederationBenchResult = {
      connections: CONNECTIONS,
      secondsPerRound: seconds,
      rounds: pairs,
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        loadAverageAtStart,
        loadAverage: os.loadavg().map((load) => round(load, 2)),
      },
      projectMaxCost: loadConfig({ ...process.env, ...BENCH_SECRETS }).queryLimits.cost,
      answerBytes: Buffer.byteLength(apolloAnswer),
      sides,
      versusApollo,
      projectVersusHive: {
        dedupOn: ratio(rounds.project, rounds.hive, 'gatewayMicros'),
        dedupOff: ratio(rounds.projectNoDedup, rounds.hiveNoDedup, 'gatewayMicros'),
      },
    };
    writeResults('federation', result);
    return result;
  } finally {
    await Promise.all(Object.values(gateways).map((gateway) => gateway.close()));
    await subgraphs.close();
  }
}

const LABELS: Record<FederationSide, string> = {
  project: 'project, dedup on',
  projectNoDedup: 'project, dedup off',
  apollo: 'plain Apollo',
  hive: 'Hive+Rust, dedup on',
  hiveNoDedup: 'Hive+Rust, dedup off',
  hiveInbound: 'Hive+Rust, +requests',
};

export function formatFederation(result: FederationBenchResult): string {
  const columns: [string, number][] = [
    ['gateway', 22],
    ['req/s', 8],
    ['p99 ms', 8],
    ['gw CPU ms/req', 15],
    ['÷ Apollo', 10],
    ['pair median [95%]', 20],
    ['RPS ÷ Apollo', 14],
    ['fetches/req', 13],
    ['subgraph CPU ms/req', 21],
  ];
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(columns[i][1]) : cell.padStart(columns[i][1]))).join('');
  const interval = (r: Ratio) => `${r.median} [${r.interval[0]}–${r.interval[1]}]`;
  const lines = [
    `Federation gateways benchmark (${result.answerBytes}-byte answer; ${result.connections} connections, ${result.rounds} interleaved rounds of ${result.secondsPerRound} s; ${result.machine.cpus} CPUs, Node ${result.machine.node}, load average ${result.machine.loadAverageAtStart[0]} at the start, ${result.machine.loadAverage[0]} at the end; project GATEWAY_MAX_COST ${result.projectMaxCost})`,
    line(columns.map(([name]) => name)),
  ];
  for (const [side, f] of Object.entries(result.sides) as [FederationSide, SideFigures][]) {
    const versus = result.versusApollo[side]!;
    lines.push(
      line([
        LABELS[side],
        String(f.rps),
        String(f.p99Ms),
        String(f.gatewayCpuMsPerRequest),
        String(versus.cpu.ratio),
        side === 'apollo' ? '' : interval(versus.cpu),
        String(versus.rps),
        `${f.fetchesPerRequest} (${f.fetchesAlone})`,
        String(f.subgraphCpuMsPerRequest),
      ]) + (f.errors ? `  (${f.errors} errors)` : ''),
    );
  }
  const { dedupOn, dedupOff } = result.projectVersusHive;
  lines.push(
    'fetches/req: under load (alone, one request on an idle gateway)',
    'answers: ' +
      (Object.entries(result.sides) as [FederationSide, SideFigures][])
        .filter(([side]) => side !== 'apollo')
        .map(([side, f]) => `${side} ${f.answer}`)
        .join('; '),
    `project ÷ Hive+Rust gateway CPU per request: dedup on ${dedupOn.ratio} (pair median ${interval(dedupOn)}), dedup off ${dedupOff.ratio} (pair median ${interval(dedupOff)})`,
  );
  return lines.join('\n');
}

runAsChild((role) => child(role as Role));
