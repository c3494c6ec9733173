/**
 * The gateway A/B harness the throughput scenarios share: the embedded platform, gateways built
 * alike over its subgraphs, and one query loaded on two URLs in interleaved rounds (A, B, B, A, …)
 * so that drift in the machine's load falls on both sides alike. A comparison is judged on the
 * median of the per-pair ratios with its distribution-free interval: on a shared 2-core machine one
 * round can stall for reasons of its own, and that moves the median's interval by one place where
 * it drags a mean by its full size. 127.0.0.1 only, bounded in time.
 */
import autocannon from 'autocannon';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway/server';
import { RATE_LIMIT_DEFAULTS } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import type { SubgraphName } from '../platform/services';
import { startPlatform, type RunningPlatform } from '../scripts/platform';
import { rotated } from './rounds';
import { median, medianInterval, round } from './stats';

/** A catalogue page: what a storefront asks for most. Cheap subgraph work, so the gateway's own share is large. */
export const CATALOGUE_PAGE = `{ products(first: 20) { edges { cursor node { id name category price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`;

export interface InterleavedOptions {
  /** Pairs of rounds. */
  rounds?: number;
  secondsPerRound?: number;
  connections?: number;
}

export interface Round<Side extends string> {
  side: Side;
  requestsPerSecond: number;
  meanLatencyMs: number;
  errors: number;
}

export interface Comparison<Side extends string> {
  query: string;
  connections: number;
  secondsPerRound: number;
  rounds: Round<Side>[];
  sides: Record<Side, { requestsPerSecond: number; meanLatencyMs: number }>;
  /** Requests per second of the subject ÷ the baseline, over all rounds. */
  throughputRatio: number;
  /** The same ratio per pair of rounds: how much the machine moved during the run. */
  pairRatios: number[];
  /** The median of pairRatios and its distribution-free 95% interval: what the target is judged on. */
  medianPairRatio: number;
  interval: [number, number];
  target: number;
  /** met: the median's whole interval is at or above the target; not met: all of it below (or a request failed); else this run's noise cannot tell. */
  verdict: 'met' | 'not met' | 'not settled by this run';
  meetsTarget: boolean;
}

/** The embedded platform (PGlite, in-process bus, no inference server), seeded alike for every scenario. */
export function startBenchPlatform(): Promise<RunningPlatform> {
  return startPlatform({
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
}

/**
 * A gateway over the platform's subgraphs, set up like the platform's own but for `overrides`. Its
 * rate limit is off: a bench loads it from one IP far past any client's budget.
 */
export function startBenchGateway(
  platform: RunningPlatform,
  overrides: Partial<GatewayOptions> = {},
  /** Another build's startGateway (bench/query-limits.ts compares builds); this build's by default. */
  start: (options: GatewayOptions) => Promise<RunningGateway> = startGateway,
): Promise<RunningGateway> {
  const subgraphUrls = Object.fromEntries(Object.entries(platform.subgraphs).map(([name, subgraph]) => [name, subgraph.url])) as Record<
    SubgraphName,
    string
  >;
  return start({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: platform.config.jwtSecret,
    internalSecret: platform.config.internalSecret,
    subscriptionLimits: platform.config.subscriptionLimits,
    subgraphTimeoutMs: platform.config.subgraphTimeoutMs,
    queryLimits: platform.config.queryLimits,
    rateLimit: { ...RATE_LIMIT_DEFAULTS, enabled: false },
    subgraphUrls,
    log: serviceLogger('gateway'),
    ...overrides,
  });
}

/** Loads `query` on the subject's and the baseline's URL in interleaved rounds and compares their throughput. */
export async function compareInterleaved<Side extends string>(
  subject: [Side, string, Record<string, string>?],
  baseline: [Side, string, Record<string, string>?],
  query: string,
  target: number,
  options: InterleavedOptions = {},
): Promise<Comparison<Side>> {
  const pairs = options.rounds ?? 20;
  const seconds = options.secondsPerRound ?? 6;
  const connections = options.connections ?? 8;
  // Each side's URL and the headers its requests carry (an API key, say).
  const urls = new Map([subject, baseline].map(([side, url, headers]) => [side, { url, headers: headers ?? {} }]));
  const load = ({ url, headers }: { url: string; headers: Record<string, string> }, duration: number) =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
      connections,
      duration,
    });
  // Warm-up: JIT, keep-alive pools, Apollo's document caches.
  for (const url of urls.values()) await load(url, 2);
  const rounds: Round<Side>[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of rotated([subject[0], baseline[0]], pair)) {
      const result = await load(urls.get(side)!, seconds);
      rounds.push({
        side,
        requestsPerSecond: round(result.requests.average, 1),
        meanLatencyMs: round(result.latency.average, 2),
        errors: result.errors + result.non2xx,
      });
    }
  }
  const summary = (side: Side) => {
    const mine = rounds.filter((r) => r.side === side);
    return {
      requestsPerSecond: round(mine.reduce((sum, r) => sum + r.requestsPerSecond, 0) / mine.length, 1),
      meanLatencyMs: round(mine.reduce((sum, r) => sum + r.meanLatencyMs, 0) / mine.length, 2),
    };
  };
  const sides = { [subject[0]]: summary(subject[0]), [baseline[0]]: summary(baseline[0]) } as Record<Side, ReturnType<typeof summary>>;
  const pairRatios = Array.from({ length: pairs }, (_, pair) => {
    const [a, b] = rounds.slice(pair * 2, pair * 2 + 2);
    const [mine, theirs] = a.side === subject[0] ? [a, b] : [b, a];
    return round(mine.requestsPerSecond / theirs.requestsPerSecond, 3);
  });
  const sorted = [...pairRatios].sort((x, y) => x - y);
  const interval = medianInterval(sorted);
  const failed = rounds.some((r) => r.errors > 0);
  const verdict = failed || interval[1] < target ? 'not met' : interval[0] >= target ? 'met' : 'not settled by this run';
  return {
    query,
    connections,
    secondsPerRound: seconds,
    rounds,
    sides,
    throughputRatio: round(sides[subject[0]].requestsPerSecond / sides[baseline[0]].requestsPerSecond, 3),
    pairRatios,
    medianPairRatio: round(median(sorted), 3),
    interval,
    target,
    verdict,
    meetsTarget: verdict === 'met',
  };
}
