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
import autocannon from 'autocannon';
import { parse, specifiedRules, validate } from 'graphql';
import { CostCheck, costError, limitRules } from '../gateway/query-limits';
import { startGateway } from '../gateway/server';
import { FederatedPlanner } from '../gateway/subscriptions/planner';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { DEFAULT_QUERY_LIMITS, type QueryLimitsConfig } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { fromRoot } from '../platform/paths';
import type { SubgraphName } from '../platform/services';
import { startPlatform } from '../scripts/platform';
import { medianInterval, round } from './stats';

/** A catalogue page: what a storefront asks for most. Cheap subgraph work, so the gateway's own share (and any overhead there) is large. */
const QUERY = `{ products(first: 20) { edges { cursor node { id name category price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`;
const TARGET = 0.95;

interface Round {
  limits: 'on' | 'off';
  requestsPerSecond: number;
  meanLatencyMs: number;
  errors: number;
}

export interface QueryLimitsBenchResult {
  query: string;
  connections: number;
  secondsPerRound: number;
  rounds: Round[];
  on: { requestsPerSecond: number; meanLatencyMs: number };
  off: { requestsPerSecond: number; meanLatencyMs: number };
  /** Requests per second with limits on ÷ off, over all rounds. */
  throughputRatio: number;
  /** The same ratio per on/off pair of rounds: how much the machine moved during the run. */
  pairRatios: number[];
  /** The median of pairRatios and its distribution-free 95% interval: what the target is judged on. */
  medianPairRatio: number;
  interval: [number, number];
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
  target: number;
  /** met: the median's whole interval is at or above the target; not met: all of it below; else this run's noise cannot tell. */
  verdict: 'met' | 'not met' | 'not settled by this run';
  meetsTarget: boolean;
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

export async function runQueryLimitsBench(
  options: { rounds?: number; seconds?: number; connections?: number } = {},
): Promise<QueryLimitsBenchResult> {
  const roundPairs = options.rounds ?? 20;
  const seconds = options.seconds ?? 3;
  const connections = options.connections ?? 8;
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    inference: false,
    seed: { seed: 23, users: 100, products: 500, orders: 500 },
    config: {
      jwtSecret: 'bench-secret',
      internalSecret: 'bench-internal',
      databaseUrl: undefined,
      redisUrl: undefined,
      inferenceUrl: 'http://127.0.0.1:9',
    },
  });
  // Two gateways built alike but for the limits (not the platform's own, which also serves the IDE).
  const subgraphUrls = Object.fromEntries(Object.entries(platform.subgraphs).map(([name, subgraph]) => [name, subgraph.url])) as Record<
    SubgraphName,
    string
  >;
  const gatewayWith = (queryLimits: QueryLimitsConfig) =>
    startGateway({
      port: 0,
      host: '127.0.0.1',
      jwtSecret: 'bench-secret',
      internalSecret: platform.config.internalSecret,
      subscriptionLimits: platform.config.subscriptionLimits,
      subgraphTimeoutMs: platform.config.subgraphTimeoutMs,
      queryLimits,
      subgraphUrls,
      log: serviceLogger('gateway'),
    });
  const limited = await gatewayWith(DEFAULT_QUERY_LIMITS);
  const unlimited = await gatewayWith({ ...DEFAULT_QUERY_LIMITS, enabled: false });
  try {
    const urls = { on: limited.url, off: unlimited.url };
    const load = (url: string, duration: number) =>
      autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY }),
        connections,
        duration,
      });
    await load(urls.on, 2); // warm-up: JIT, keep-alive pools, Apollo's document cache
    await load(urls.off, 2);
    const rounds: Round[] = [];
    for (let pair = 0; pair < roundPairs; pair++) {
      // ABBA: on, off, off, on, … so that a trend in the machine's load hits both sides equally.
      const order: ('on' | 'off')[] = pair % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      for (const limits of order) {
        const result = await load(urls[limits], seconds);
        rounds.push({
          limits,
          requestsPerSecond: round(result.requests.average, 1),
          meanLatencyMs: round(result.latency.average, 2),
          errors: result.errors + result.non2xx,
        });
      }
    }
    const side = (limits: 'on' | 'off') => {
      const mine = rounds.filter((r) => r.limits === limits);
      return {
        requestsPerSecond: round(mine.reduce((sum, r) => sum + r.requestsPerSecond, 0) / mine.length, 1),
        meanLatencyMs: round(mine.reduce((sum, r) => sum + r.meanLatencyMs, 0) / mine.length, 2),
      };
    };
    const on = side('on');
    const off = side('off');
    const pairRatios = Array.from({ length: roundPairs }, (_, pair) => {
      const [a, b] = rounds.slice(pair * 2, pair * 2 + 2);
      const [first, second] = a.limits === 'on' ? [a, b] : [b, a];
      return round(first.requestsPerSecond / second.requestsPerSecond, 3);
    });
    const checksMicroseconds = timeChecks();
    const requestMicroseconds = round(1e6 / off.requestsPerSecond, 1);
    const throughputRatio = round(on.requestsPerSecond / off.requestsPerSecond, 3);
    const sorted = [...pairRatios].sort((a, b) => a - b);
    const mean = pairRatios.reduce((sum, r) => sum + r, 0) / pairRatios.length;
    const spread = 2 * Math.sqrt(pairRatios.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (pairRatios.length - 1) / pairRatios.length);
    const meanInterval: [number, number] = [round(mean - spread, 3), round(mean + spread, 3)];
    // Judged on the median: on a shared 2-core machine one round can stall for reasons of its own,
    // and it moves the median's interval by one place where it drags the mean by its full size.
    const interval = medianInterval(sorted);
    const errors = rounds.some((r) => r.errors > 0);
    const verdict = errors || interval[1] < TARGET ? 'not met' : interval[0] >= TARGET ? 'met' : 'not settled by this run';
    const medianPairRatio = round((sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2, 3);
    const result: QueryLimitsBenchResult = {
      query: QUERY,
      connections,
      secondsPerRound: seconds,
      rounds,
      on,
      off,
      throughputRatio,
      pairRatios,
      medianPairRatio,
      interval,
      meanPairRatio: round(mean, 3),
      meanInterval,
      checksMicroseconds,
      requestMicroseconds,
      expectedOverhead: round(checksMicroseconds.perRequest / requestMicroseconds, 5),
      target: TARGET,
      verdict,
      meetsTarget: verdict === 'met',
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

export function formatQueryLimits(result: QueryLimitsBenchResult): string {
  const pct = (value: number, digits = 1) => `${round(value * 100, digits)}%`;
  const checks = result.checksMicroseconds;
  return [
    `Query limits on vs off (GATEWAY_QUERY_LIMITS=off), same platform, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
    `query: ${result.query}`,
    `${'limits'.padEnd(8)} ${'req/s'.padStart(8)} ${'mean ms'.padStart(8)}`,
    `${'on'.padEnd(8)} ${String(result.on.requestsPerSecond).padStart(8)} ${String(result.on.meanLatencyMs).padStart(8)}`,
    `${'off'.padEnd(8)} ${String(result.off.requestsPerSecond).padStart(8)} ${String(result.off.meanLatencyMs).padStart(8)}`,
    `throughput on/off: ${result.throughputRatio} over all rounds; per pair of rounds ${result.pairRatios.join(', ')}; median ${result.medianPairRatio} (95% interval ${result.interval[0]}–${result.interval[1]}); mean ${result.meanPairRatio} (95% interval ${result.meanInterval[0]}–${result.meanInterval[1]})`,
    `checks alone: ${checks.perRequest} µs per request (remembered cost verdict); first sight of a document: parse ${checks.parse} µs (${checks.parseWithTokenLimit} µs counting tokens), validate ${checks.validate} µs (${checks.validateWithLimitRules} µs with the limit rules), cost walk ${checks.costWalk} µs`,
    `one request: ${result.requestMicroseconds} µs of gateway time at the measured throughput; the per-request check is ${pct(result.expectedOverhead, 3)} of it`,
    `target: limits cost < ${pct(1 - result.target)} throughput (on/off ≥ ${result.target}): ${result.verdict.toUpperCase()} by the median throughput ratio (interval ${result.interval[0]}–${result.interval[1]}); the checks alone take ${pct(result.expectedOverhead, 3)} of a request`,
  ].join('\n');
}

if (require.main === module) {
  runQueryLimitsBench()
    .then((result) => console.log(formatQueryLimits(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
