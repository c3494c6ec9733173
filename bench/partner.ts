/**
 * What the partner endpoint costs against the main one: one gateway (the same process serves
 * /graphql and /partner/graphql over the same subgraphs), the same catalogue query on both, loaded
 * in interleaved rounds (main, partner, partner, main, …) so that drift in the machine's load falls
 * on both alike, and judged like bench/query-limits.ts on the median ratio of each pair of rounds.
 * The gateway's rate limit is off here: a bench from one IP would otherwise hit it. Target
 * (issue 11): the partner endpoint's throughput within 10% of the main endpoint's. 127.0.0.1 only,
 * bounded in time.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { startGateway } from '../gateway/server';
import { PARTNER_ENDPOINT } from '../gateway/partner';
import { DEFAULT_QUERY_LIMITS, RATE_LIMIT_DEFAULTS } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { fromRoot } from '../platform/paths';
import type { SubgraphName } from '../platform/services';
import { startPlatform } from '../scripts/platform';
import { medianInterval, round } from './stats';

/** A catalogue page, as a partner's storefront would ask for it (the same query as bench/query-limits.ts). */
const QUERY = `{ products(first: 20) { edges { cursor node { id name category price { amount currency } stock } } pageInfo { hasNextPage endCursor } } }`;
const TARGET = 0.9;

type Endpoint = 'main' | 'partner';

interface Round {
  endpoint: Endpoint;
  requestsPerSecond: number;
  meanLatencyMs: number;
  errors: number;
}

export interface PartnerBenchResult {
  query: string;
  connections: number;
  secondsPerRound: number;
  rounds: Round[];
  main: { requestsPerSecond: number; meanLatencyMs: number };
  partner: { requestsPerSecond: number; meanLatencyMs: number };
  /** Requests per second on /partner/graphql ÷ /graphql, over all rounds. */
  throughputRatio: number;
  /** The same ratio per pair of rounds. */
  pairRatios: number[];
  /** The median of pairRatios and its distribution-free 95% interval: what the target is judged on. */
  medianPairRatio: number;
  interval: [number, number];
  target: number;
  /** met: the median's whole interval is at or above the target; not met: all of it below; else this run's noise cannot tell. */
  verdict: 'met' | 'not met' | 'not settled by this run';
  meetsTarget: boolean;
}

export async function runPartnerBench(
  options: { rounds?: number; seconds?: number; connections?: number } = {},
): Promise<PartnerBenchResult> {
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
  const subgraphUrls = Object.fromEntries(Object.entries(platform.subgraphs).map(([name, subgraph]) => [name, subgraph.url])) as Record<
    SubgraphName,
    string
  >;
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: 'bench-secret',
    internalSecret: platform.config.internalSecret,
    subscriptionLimits: platform.config.subscriptionLimits,
    subgraphTimeoutMs: platform.config.subgraphTimeoutMs,
    queryLimits: DEFAULT_QUERY_LIMITS,
    rateLimit: { ...RATE_LIMIT_DEFAULTS, enabled: false },
    subgraphUrls,
    log: serviceLogger('gateway'),
  });
  try {
    const urls: Record<Endpoint, string> = { main: gateway.url, partner: gateway.url.replace(/\/graphql$/, PARTNER_ENDPOINT) };
    const load = (url: string, duration: number) =>
      autocannon({
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY }),
        connections,
        duration,
      });
    await load(urls.main, 2); // warm-up: JIT, keep-alive pools, Apollo's document caches
    await load(urls.partner, 2);
    const rounds: Round[] = [];
    for (let pair = 0; pair < roundPairs; pair++) {
      const order: Endpoint[] = pair % 2 === 0 ? ['main', 'partner'] : ['partner', 'main'];
      for (const endpoint of order) {
        const result = await load(urls[endpoint], seconds);
        rounds.push({
          endpoint,
          requestsPerSecond: round(result.requests.average, 1),
          meanLatencyMs: round(result.latency.average, 2),
          errors: result.errors + result.non2xx,
        });
      }
    }
    const side = (endpoint: Endpoint) => {
      const mine = rounds.filter((r) => r.endpoint === endpoint);
      return {
        requestsPerSecond: round(mine.reduce((sum, r) => sum + r.requestsPerSecond, 0) / mine.length, 1),
        meanLatencyMs: round(mine.reduce((sum, r) => sum + r.meanLatencyMs, 0) / mine.length, 2),
      };
    };
    const main = side('main');
    const partner = side('partner');
    const pairRatios = Array.from({ length: roundPairs }, (_, pair) => {
      const [a, b] = rounds.slice(pair * 2, pair * 2 + 2);
      const [mine, theirs] = a.endpoint === 'partner' ? [a, b] : [b, a];
      return round(mine.requestsPerSecond / theirs.requestsPerSecond, 3);
    });
    const sorted = [...pairRatios].sort((x, y) => x - y);
    const interval = medianInterval(sorted);
    const errors = rounds.some((r) => r.errors > 0);
    const verdict = errors || interval[1] < TARGET ? 'not met' : interval[0] >= TARGET ? 'met' : 'not settled by this run';
    const result: PartnerBenchResult = {
      query: QUERY,
      connections,
      secondsPerRound: seconds,
      rounds,
      main,
      partner,
      throughputRatio: round(partner.requestsPerSecond / main.requestsPerSecond, 3),
      pairRatios,
      medianPairRatio: round((sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2, 3),
      interval,
      target: TARGET,
      verdict,
      meetsTarget: verdict === 'met',
    };
    const out = fromRoot('bench', 'results', 'partner.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await gateway.close();
    await platform.close();
  }
}

export function formatPartner(result: PartnerBenchResult): string {
  return [
    `Partner endpoint vs main endpoint, one gateway, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
    `query: ${result.query}`,
    `${'endpoint'.padEnd(18)} ${'req/s'.padStart(8)} ${'mean ms'.padStart(8)}`,
    `${'/graphql'.padEnd(18)} ${String(result.main.requestsPerSecond).padStart(8)} ${String(result.main.meanLatencyMs).padStart(8)}`,
    `${PARTNER_ENDPOINT.padEnd(18)} ${String(result.partner.requestsPerSecond).padStart(8)} ${String(result.partner.meanLatencyMs).padStart(8)}`,
    `throughput partner/main: ${result.throughputRatio} over all rounds; per pair of rounds ${result.pairRatios.join(', ')}; median ${result.medianPairRatio} (95% interval ${result.interval[0]}–${result.interval[1]})`,
    `target: partner/main ≥ ${result.target}: ${result.verdict.toUpperCase()} by the median throughput ratio`,
  ].join('\n');
}

if (require.main === module) {
  runPartnerBench()
    .then((result) => console.log(formatPartner(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
