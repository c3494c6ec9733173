/**
 * End to end through the gateway: a recommendations query for 50 users per operation, with the
 * per-request DataLoader on (one inference request per operation) against off (one inference
 * request per user, as resolver-per-user code would do), same data and model, in one run. The
 * candidate cache is off in both so every operation reaches the model. 127.0.0.1 only, bounded.
 *
 * Then the A/B between pipelines: one platform at RECOMMENDATIONS_TWO_STAGE_PERCENT=50, its users
 * split by the router's own stable hash, each side loaded with one user's recommendations per
 * operation (cycling through its users) in interleaved rounds (one, two, two, one, …) so the
 * machine's drift falls on both; p50/p99 per variant and the two-stage p99 over the one-stage p99
 * (target ≤ 1.5). The impressions the subgraph counted per variant say which pipeline really
 * served: without a two-stage pipeline plugged in, both sides run one-stage.
 *
 * Last, the operation-size scenario (bench/operation-sizes.ts): N = 1, 10, 50, 200 users per
 * operation on the shipped inference deadline, both pipelines; `--sizes` runs it alone.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signToken } from '../gateway/plugins/http/auth/token';
import { fromRoot } from '../platform/paths';
import { assignedVariant } from '../subgraphs/recommendations/experiments/variant-router';
import { runOperationSizesBench } from './operation-sizes';
import { formatOperationSizes, type OperationSizesResult, type SizePlan } from './operation-sizes-figures';
import { BENCH_SEED, JWT_SECRET, startBenchPlatform } from './recommendations-platform';
import { median, medianInterval, round, summarize } from './stats';

/** Users the bench platform seeds; the A/B splits them between its arms. */
const SEEDED_USERS = BENCH_SEED.users;
const QUERY = `{ users(first: 50) { edges { node { id recommendations(first: 10) { product { name price { amount } } } } } } }`;

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface RecommendationsBenchResult {
  usersPerQuery: number;
  connections: number;
  seconds: number;
  dataLoaderOn: Figures;
  dataLoaderOff: Figures;
  throughputRatio: number;
  p99Ratio: number;
  variants: VariantComparison;
  operationSizes: OperationSizesResult;
}

type Variant = 'ONE_STAGE' | 'TWO_STAGE';

interface VariantFigures {
  /** Seeded users the stable hash puts in this arm. */
  users: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** Transport errors, non-2xx answers and answers with GraphQL errors. */
  errors: number;
  /** Items the recommendations subgraph counted as impressions per variant while this side was loaded: who really served. */
  servedBy: Record<Variant, number>;
}

export interface VariantComparison {
  twoStagePercent: number;
  query: string;
  connections: number;
  pairs: number;
  secondsPerRound: number;
  oneStage: VariantFigures;
  twoStage: VariantFigures;
  /** Two-stage p99 ÷ one-stage p99 over all rounds' requests: what the target is judged on. */
  p99RatioTwoOverOne: number;
  /** The same ratio per pair of rounds, its median and distribution-free 95% interval: how much the machine moved. */
  pairP99Ratios: number[];
  medianPairP99Ratio: number;
  interval: [number, number];
  target: number;
  meetsTarget: boolean;
  /** False while no two-stage pipeline is plugged in (its users were served one-stage): the ratio then compares one-stage with itself. */
  twoStageServed: boolean;
}

export interface RecommendationsBenchOptions {
  seconds?: number;
  connections?: number;
  /** Pairs of interleaved rounds in the variant comparison. */
  pairs?: number;
  secondsPerRound?: number;
  /** Operations per size in the operation-size scenario. */
  sizePlan?: readonly SizePlan[];
}

async function measure(batching: boolean, repository: string, seconds: number, connections: number): Promise<Figures> {
  // The one-stage pipeline, as this comparison has always measured: per user, the two-stage one
  // (five model requests each) does not finish a 50-user operation within a round, which says
  // batching matters but gives no figure. The A/B below measures the two-stage pipeline.
  const platform = await startBenchPlatform(repository, { batching, twoStagePercent: 0 });
  try {
    const token = await signToken(JWT_SECRET, { userId: 'bench-admin', roles: ['admin'] });
    const run = (duration: number) =>
      autocannon({
        url: platform.gateway.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY }),
        connections,
        duration,
        // Per-user calls can be slow under load; a request must finish to be counted, not time out.
        timeout: 120,
      });
    await run(2); // warm-up
    const result = await run(seconds);
    return {
      requestsPerSecond: round(result.requests.average, 1),
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
    };
  } finally {
    await platform.close();
  }
}

const VARIANT_PERCENT = 50;
const VARIANT_TARGET = 1.5;
const VARIANT_QUERY = `query ($id: ID!) { user(id: $id) { recommendations(first: 10) { variant product { name price { amount } } } } }`;

/** The A/B's two sides on one platform: same model, same data, same query shape; only the users (and so the pipeline) differ. */
async function compareVariants(repository: string, pairs: number, seconds: number, connections: number): Promise<VariantComparison> {
  // One token loads far past a client's budget; the limiter is not what is measured.
  const platform = await startBenchPlatform(repository, { twoStagePercent: VARIANT_PERCENT }, { rateLimitOff: true });
  try {
    const token = await signToken(JWT_SECRET, { userId: 'bench-admin', roles: ['admin'] });
    const metrics = new URL('/metrics', platform.subgraphs.recommendations.url);
    const impressions = async (): Promise<Record<Variant, number>> => {
      const text = await (await fetch(metrics)).text();
      const sum = (variant: Variant) =>
        text
          .split('\n')
          .filter((line) => line.startsWith('recommendations_impressions_total{') && line.includes(`variant="${variant}"`))
          .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      return { ONE_STAGE: sum('ONE_STAGE'), TWO_STAGE: sum('TWO_STAGE') };
    };
    const ids = Array.from({ length: SEEDED_USERS }, (_, index) => `user-${String(index + 1).padStart(4, '0')}`);
    const usersOf: Record<Variant, string[]> = {
      ONE_STAGE: ids.filter((id) => assignedVariant(id, VARIANT_PERCENT) === 'ONE_STAGE'),
      TWO_STAGE: ids.filter((id) => assignedVariant(id, VARIANT_PERCENT) === 'TWO_STAGE'),
    };
    const samples: Record<Variant, number[]> = { ONE_STAGE: [], TWO_STAGE: [] };
    const errors: Record<Variant, number> = { ONE_STAGE: 0, TWO_STAGE: 0 };
    const servedBy: Record<Variant, Record<Variant, number>> = {
      ONE_STAGE: { ONE_STAGE: 0, TWO_STAGE: 0 },
      TWO_STAGE: { ONE_STAGE: 0, TWO_STAGE: 0 },
    };
    const roundP99: Record<Variant, number[]> = { ONE_STAGE: [], TWO_STAGE: [] };
    /** One round on one side: each connection cycles through that side's users, one user per operation. */
    const load = async (side: Variant, duration: number, record: boolean) => {
      const latencies: number[] = [];
      const before = await impressions();
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(
          {
            url: platform.gateway.url,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            requests: usersOf[side].map((id) => ({ body: JSON.stringify({ query: VARIANT_QUERY, variables: { id } }) })),
            connections,
            duration,
            timeout: 120,
            // An answer with GraphQL errors is not a recommendation served: it counts as an error, not as a fast request.
            verifyBody: (body) => !String(body ?? '').includes('"errors"'),
          },
          (error, done) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
        );
        // Every latency, so the p99 is taken over all rounds' requests of a side, not averaged from each round's.
        instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
      });
      if (!record) return;
      const after = await impressions();
      samples[side].push(...latencies);
      roundP99[side].push(summarize(latencies).p99);
      errors[side] += result.errors + result.non2xx + result.mismatches;
      for (const variant of ['ONE_STAGE', 'TWO_STAGE'] as const) servedBy[side][variant] += after[variant] - before[variant];
    };
    // Warm-up: JIT, keep-alive pools, the model's first batches.
    await load('ONE_STAGE', 2, false);
    await load('TWO_STAGE', 2, false);
    for (let pair = 0; pair < pairs; pair++) {
      for (const side of pair % 2 === 0 ? (['ONE_STAGE', 'TWO_STAGE'] as const) : (['TWO_STAGE', 'ONE_STAGE'] as const)) {
        await load(side, seconds, true);
      }
    }
    const figures = (side: Variant): VariantFigures => {
      const summary = summarize(samples[side]);
      return {
        users: usersOf[side].length,
        requests: summary.count,
        p50Ms: summary.p50,
        p99Ms: summary.p99,
        errors: errors[side],
        servedBy: servedBy[side],
      };
    };
    const oneStage = figures('ONE_STAGE');
    const twoStage = figures('TWO_STAGE');
    const pairP99Ratios = roundP99.TWO_STAGE.map((p99, index) => round(p99 / roundP99.ONE_STAGE[index], 3));
    const sorted = [...pairP99Ratios].sort((a, b) => a - b);
    const p99RatioTwoOverOne = round(twoStage.p99Ms / oneStage.p99Ms, 3);
    return {
      twoStagePercent: VARIANT_PERCENT,
      query: VARIANT_QUERY,
      connections,
      pairs,
      secondsPerRound: seconds,
      oneStage,
      twoStage,
      p99RatioTwoOverOne,
      pairP99Ratios,
      medianPairP99Ratio: round(median(sorted), 3),
      interval: medianInterval(sorted),
      target: VARIANT_TARGET,
      meetsTarget: p99RatioTwoOverOne <= VARIANT_TARGET && oneStage.errors + twoStage.errors === 0,
      twoStageServed: twoStage.servedBy.TWO_STAGE > 0,
    };
  } finally {
    await platform.close();
  }
}

/** Per-user operations take seconds each: the off side runs longer, so that some finish and give a figure. */
const OFF_ROUND_FACTOR = 3;

export async function runRecommendationsBench(options: RecommendationsBenchOptions = {}): Promise<RecommendationsBenchResult> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 4;
  const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-models-'));
  try {
    const dataLoaderOn = await measure(true, repository, seconds, connections);
    const dataLoaderOff = await measure(false, repository, seconds * OFF_ROUND_FACTOR, connections);
    const variants = await compareVariants(repository, options.pairs ?? 6, options.secondsPerRound ?? 5, connections);
    const operationSizes = await runOperationSizesBench({ plan: options.sizePlan });
    const result: RecommendationsBenchResult = {
      usersPerQuery: 50,
      connections,
      seconds,
      dataLoaderOn,
      dataLoaderOff,
      throughputRatio: round(dataLoaderOn.requestsPerSecond / dataLoaderOff.requestsPerSecond, 2),
      p99Ratio: round(dataLoaderOff.p99Ms / dataLoaderOn.p99Ms, 2),
      variants,
      operationSizes,
    };
    writeResults(result);
    return result;
  } finally {
    fs.rmSync(repository, { recursive: true, force: true });
  }
}

const RESULTS = fromRoot('bench', 'results', 'recommendations.json');

function writeResults(result: Partial<RecommendationsBenchResult>) {
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
}

/**
 * The operation-size scenario alone (`--sizes`): its figures replace operationSizes in the results
 * file, whose other keys stay the last full run's (operationSizes.measuredAt says when this one ran).
 */
export async function runOperationSizesOnly(plan?: readonly SizePlan[]): Promise<OperationSizesResult> {
  const operationSizes = await runOperationSizesBench({ plan });
  let previous: Partial<RecommendationsBenchResult> = {};
  try {
    previous = JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as Partial<RecommendationsBenchResult>;
  } catch {
    // No earlier run, or not readable: the file then holds this scenario alone.
  }
  writeResults({ ...previous, operationSizes });
  return operationSizes;
}

export function formatRecommendations(result: RecommendationsBenchResult): string {
  const row = (name: string, figures: Figures) =>
    `${name.padEnd(16)} ${String(figures.requestsPerSecond).padStart(8)} ${String(figures.p50Ms).padStart(7)} ${String(figures.p99Ms).padStart(7)} ${String(figures.errors + figures.non2xx).padStart(7)}`;
  return [
    `Recommendations for ${result.usersPerQuery} users per query through the gateway, one-stage pipeline (${result.connections} connections; on: ${result.seconds} s, off: ${result.seconds * OFF_ROUND_FACTOR} s)`,
    `${'DataLoader'.padEnd(16)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}`,
    row('on (batched)', result.dataLoaderOn),
    row('off (per user)', result.dataLoaderOff),
    result.dataLoaderOff.requestsPerSecond > 0
      ? `DataLoader on: ×${result.throughputRatio} throughput, p99 ×${result.p99Ratio} lower`
      : `DataLoader off finished no operation within ${result.seconds * OFF_ROUND_FACTOR} s`,
    '',
    formatVariants(result.variants),
    '',
    formatOperationSizes(result.operationSizes),
  ].join('\n');
}

function formatVariants(v: VariantComparison): string {
  const row = (name: string, f: VariantFigures) =>
    `${name.padEnd(16)} ${String(f.users).padStart(6)} ${String(f.requests).padStart(9)} ${String(f.p50Ms).padStart(7)} ${String(f.p99Ms).padStart(7)} ${String(f.errors).padStart(7)}   ${f.servedBy.ONE_STAGE}/${f.servedBy.TWO_STAGE}`;
  return [
    `A/B between pipelines at RECOMMENDATIONS_TWO_STAGE_PERCENT=${v.twoStagePercent}: one user per operation, ${v.connections} connections, ${v.pairs} interleaved pairs of ${v.secondsPerRound} s rounds`,
    `${'variant'.padEnd(16)} ${'users'.padStart(6)} ${'requests'.padStart(9)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}   items served one/two-stage`,
    row('ONE_STAGE', v.oneStage),
    row('TWO_STAGE', v.twoStage),
    `p99 ratio two/one: ${v.p99RatioTwoOverOne} (target ≤ ${v.target}: ${v.meetsTarget ? 'met' : 'not met'}); per pair median ${v.medianPairP99Ratio} (95% ${v.interval[0]}–${v.interval[1]})`,
    ...(v.twoStageServed ? [] : ['note: no two-stage pipeline served (none plugged in, or it failed): both sides ran one-stage']),
  ].join('\n');
}

if (require.main === module) {
  (process.argv.includes('--sizes')
    ? runOperationSizesOnly().then(formatOperationSizes)
    : runRecommendationsBench().then(formatRecommendations)
  )
    .then((text) => console.log(text))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
