/**
 * What the query limits cost the gateway on a normal query: one platform, two gateways over the
 * same subgraphs, one with the limits on and one with GATEWAY_QUERY_LIMITS=off, loaded in
 * interleaved rounds (on, off, off, on, …) so that drift in the machine's load falls on both
 * alike. Beside the throughput ratio, the checks themselves are timed on the parsed document: the
 * per-request work (a remembered cost verdict: Apollo caches a parsed, validated document by its
 * text) and the first-seen work (parsing with the token count, the limit rules, the cost walk),
 * against the time one request takes. Target (issue 10): limits cost less than 5% throughput. 127.0.0.1 only, bounded in time.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parse, specifiedRules, validate } from 'graphql';
import { CostCheck, costError, limitRules } from '../gateway/plugins/operation/query-limits/limits';
import type { startGateway } from '../gateway/server';
import { FederatedPlanner } from '../gateway/pipeline/planner';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { DEFAULT_QUERY_LIMITS } from '../platform/config';
import { fromRoot } from '../platform/paths';
import {
  CATALOGUE_PAGE,
  compareInterleaved,
  startBenchGateway,
  startBenchPlatform,
  type Comparison,
  type InterleavedOptions,
} from './interleaved';
import { round } from './stats';

const QUERY = CATALOGUE_PAGE;
const TARGET = 0.95;

export interface QueryLimitsBenchResult extends Comparison<'on' | 'off'> {
  /** The mean of pairRatios and its 95% interval (± 2 standard errors), which one stalled round can drag. */
  meanPairRatio: number;
  meanInterval: [number, number];
  /** The checks timed alone on the parsed query, in microseconds per call. */
  checksMicroseconds: {
    /** Per request on a document seen before with the same variables: the remembered cost verdict. */
    perRequest: number;
    /** First time a document is seen with these variables: the cost walk. */
    costWalk: number;
    /** First time a document is seen: parse without a token limit, and with maxTokens (the token limit counts while parsing). */
    parse: number;
    parseWithTokenLimit: number;
    /** First time a document is seen: graphql's validation rules alone, and with the limit rules. */
    validate: number;
    validateWithLimitRules: number;
  };
  /** Time one request took on the gateway with limits off, at the measured throughput (1 / req/s), in microseconds. */
  requestMicroseconds: number;
  /** perRequest ÷ requestMicroseconds: the throughput the per-request check should cost. */
  expectedOverhead: number;
}

/** Microseconds per call of `fn`, the median of 5 batches. */
function timeIt(fn: () => void, calls = 2000): number {
  for (let i = 0; i < 200; i++) fn();
  const batches: number[] = [];
  for (let batch = 0; batch < 5; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    batches.push(Number(process.hrtime.bigint() - start) / 1000 / calls);
  }
  return batches.sort((a, b) => a - b)[2];
}

function timeChecks() {
  const schema = new FederatedPlanner(fs.readFileSync(SUPERGRAPH_SDL, 'utf8')).apiGraphQLSchema;
  const document = parse(QUERY);
  const rules = limitRules(DEFAULT_QUERY_LIMITS);
  const parsePlain = timeIt(() => parse(QUERY));
  const parseCounted = timeIt(() => parse(QUERY, { maxTokens: DEFAULT_QUERY_LIMITS.tokens }));
  const validatePlain = timeIt(() => validate(schema, document, specifiedRules), 500);
  const validateLimited = timeIt(() => validate(schema, document, [...specifiedRules, ...rules]), 500);
  const costWalk = timeIt(() => costError(DEFAULT_QUERY_LIMITS, schema, document, undefined, {}));
  const costs = new CostCheck(DEFAULT_QUERY_LIMITS);
  const perRequest = timeIt(() => costs.check(schema, document, undefined, {}), 20_000);
  return {
    perRequest: round(perRequest, 2),
    costWalk: round(costWalk, 1),
    parse: round(parsePlain, 1),
    parseWithTokenLimit: round(parseCounted, 1),
    validate: round(validatePlain, 1),
    validateWithLimitRules: round(validateLimited, 1),
  };
}

export async function runQueryLimitsBench(options: InterleavedOptions = {}): Promise<QueryLimitsBenchResult> {
  const platform = await startBenchPlatform();
  // Two gateways built alike but for the limits (not the platform's own, which also serves the IDE).
  const limited = await startBenchGateway(platform, { queryLimits: DEFAULT_QUERY_LIMITS });
  const unlimited = await startBenchGateway(platform, { queryLimits: { ...DEFAULT_QUERY_LIMITS, enabled: false } });
  try {
    const comparison = await compareInterleaved<'on' | 'off'>(['on', limited.url], ['off', unlimited.url], QUERY, TARGET, options);
    const pairRatios = comparison.pairRatios;
    const mean = pairRatios.reduce((sum, r) => sum + r, 0) / pairRatios.length;
    const spread = 2 * Math.sqrt(pairRatios.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (pairRatios.length - 1) / pairRatios.length);
    const checksMicroseconds = timeChecks();
    const requestMicroseconds = round(1e6 / comparison.sides.off.requestsPerSecond, 1);
    const result: QueryLimitsBenchResult = {
      ...comparison,
      meanPairRatio: round(mean, 3),
      meanInterval: [round(mean - spread, 3), round(mean + spread, 3)],
      checksMicroseconds,
      requestMicroseconds,
      expectedOverhead: round(checksMicroseconds.perRequest / requestMicroseconds, 5),
    };
    const out = fromRoot('bench', 'results', 'query-limits.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await unlimited.close();
    await limited.close();
    await platform.close();
  }
}

/**
 * The same gateway (limits on) of this build against another build's, both over this build's
 * subgraphs in one process, in interleaved rounds: what a change to the edge's checks costs
 * against the code before it. `BENCH_BASELINE_BUILD` names a checkout of the other build with its
 * `dist/` built (`git worktree add ../base <commit> && cd ../base && npm install && npm run build`).
 */
export async function runBuildComparison(
  baselineBuild: string,
  options: InterleavedOptions = {},
): Promise<Comparison<'this' | 'baseline'>> {
  const entry = path.resolve(baselineBuild, 'dist', 'gateway', 'server.js');
  if (!fs.existsSync(entry)) throw new Error(`BENCH_BASELINE_BUILD: no built gateway at ${entry} (run npm run build there)`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- another build's module, named at run time
  const baseline = require(entry) as { startGateway: typeof startGateway };
  const platform = await startBenchPlatform();
  const current = await startBenchGateway(platform, { queryLimits: DEFAULT_QUERY_LIMITS });
  const other = await startBenchGateway(platform, { queryLimits: DEFAULT_QUERY_LIMITS }, baseline.startGateway);
  try {
    return await compareInterleaved<'this' | 'baseline'>(['this', current.url], ['baseline', other.url], QUERY, TARGET, options);
  } finally {
    await other.close();
    await current.close();
    await platform.close();
  }
}

export function formatBuildComparison(baselineBuild: string, result: Comparison<'this' | 'baseline'>): string {
  return [
    `This build's gateway against ${baselineBuild}'s, limits on in both, same subgraphs, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
    `this ${result.sides.this.requestsPerSecond} req/s, baseline ${result.sides.baseline.requestsPerSecond} req/s`,
    `throughput this/baseline: ${result.throughputRatio} over all rounds; per pair ${result.pairRatios.join(', ')}; median ${result.medianPairRatio} (95% interval ${result.interval[0]}–${result.interval[1]})`,
    `target: within 5% of the baseline (≥ ${result.target}): ${result.verdict.toUpperCase()}`,
  ].join('\n');
}

export function formatQueryLimits(result: QueryLimitsBenchResult): string {
  const pct = (value: number, digits = 1) => `${round(value * 100, digits)}%`;
  const checks = result.checksMicroseconds;
  return [
    `Query limits on vs off (GATEWAY_QUERY_LIMITS=off), same platform, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
    `query: ${result.query}`,
    `${'limits'.padEnd(8)} ${'req/s'.padStart(8)} ${'mean ms'.padStart(8)}`,
    `${'on'.padEnd(8)} ${String(result.sides.on.requestsPerSecond).padStart(8)} ${String(result.sides.on.meanLatencyMs).padStart(8)}`,
    `${'off'.padEnd(8)} ${String(result.sides.off.requestsPerSecond).padStart(8)} ${String(result.sides.off.meanLatencyMs).padStart(8)}`,
    `throughput on/off: ${result.throughputRatio} over all rounds; per pair of rounds ${result.pairRatios.join(', ')}; median ${result.medianPairRatio} (95% interval ${result.interval[0]}–${result.interval[1]}); mean ${result.meanPairRatio} (95% interval ${result.meanInterval[0]}–${result.meanInterval[1]})`,
    `checks alone: ${checks.perRequest} µs per request (remembered cost verdict); first sight of a document: parse ${checks.parse} µs (${checks.parseWithTokenLimit} µs counting tokens), validate ${checks.validate} µs (${checks.validateWithLimitRules} µs with the limit rules), cost walk ${checks.costWalk} µs`,
    `one request: ${result.requestMicroseconds} µs of gateway time at the measured throughput; the per-request check is ${pct(result.expectedOverhead, 3)} of it`,
    `target: limits cost < ${pct(1 - result.target)} throughput (on/off ≥ ${result.target}): ${result.verdict.toUpperCase()} by the median throughput ratio (interval ${result.interval[0]}–${result.interval[1]}); the checks alone take ${pct(result.expectedOverhead, 3)} of a request`,
  ].join('\n');
}

/** The limits on/off run, then, when BENCH_BASELINE_BUILD names another build, this build against it. */
export async function runQueryLimitsBenches(): Promise<string> {
  const report = [formatQueryLimits(await runQueryLimitsBench())];
  const baselineBuild = process.env.BENCH_BASELINE_BUILD;
  if (baselineBuild) report.push(formatBuildComparison(baselineBuild, await runBuildComparison(baselineBuild)));
  return report.join('\n\n');
}

if (require.main === module) {
  runQueryLimitsBenches()
    .then((report) => console.log(report))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
