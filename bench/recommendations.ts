/**
 * End to end through the gateway: a recommendations query for 50 users per operation, with the
 * per-request DataLoader on (one inference request per operation) against off (one inference
 * request per user, as resolver-per-user code would do), same data and model, in one run. The
 * candidate cache is off in both so every operation reaches the model. 127.0.0.1 only, bounded.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signToken } from '../gateway/auth';
import { loadConfig } from '../platform/config';
import { fromRoot } from '../platform/paths';
import { startPlatform } from '../scripts/platform';
import { round } from './stats';

const JWT_SECRET = 'bench-secret';
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
}

async function measure(batching: boolean, repository: string, seconds: number, connections: number): Promise<Figures> {
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    seed: { seed: 17, users: 300, products: 2000, orders: 6000 },
    config: {
      jwtSecret: JWT_SECRET,
      internalSecret: 'bench-internal',
      databaseUrl: undefined,
      redisUrl: undefined,
      modelRepository: repository,
      // Generous deadline: both sides must be measured answering from the model, not from the fallback.
      inferenceDeadlineMs: 30_000,
      recommendations: { ...loadConfig().recommendations, batching, cache: false },
    },
  });
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

export async function runRecommendationsBench(
  options: { seconds?: number; connections?: number } = {},
): Promise<RecommendationsBenchResult> {
  const seconds = options.seconds ?? 10;
  const connections = options.connections ?? 4;
  const repository = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-models-'));
  try {
    const dataLoaderOn = await measure(true, repository, seconds, connections);
    const dataLoaderOff = await measure(false, repository, seconds, connections);
    const result: RecommendationsBenchResult = {
      usersPerQuery: 50,
      connections,
      seconds,
      dataLoaderOn,
      dataLoaderOff,
      throughputRatio: round(dataLoaderOn.requestsPerSecond / dataLoaderOff.requestsPerSecond, 2),
      p99Ratio: round(dataLoaderOff.p99Ms / dataLoaderOn.p99Ms, 2),
    };
    const out = fromRoot('bench', 'results', 'recommendations.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    fs.rmSync(repository, { recursive: true, force: true });
  }
}

export function formatRecommendations(result: RecommendationsBenchResult): string {
  const row = (name: string, figures: Figures) =>
    `${name.padEnd(16)} ${String(figures.requestsPerSecond).padStart(8)} ${String(figures.p50Ms).padStart(7)} ${String(figures.p99Ms).padStart(7)} ${String(figures.errors + figures.non2xx).padStart(7)}`;
  return [
    `Recommendations for ${result.usersPerQuery} users per query through the gateway (${result.connections} connections, ${result.seconds} s each)`,
    `${'DataLoader'.padEnd(16)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)}`,
    row('on (batched)', result.dataLoaderOn),
    row('off (per user)', result.dataLoaderOff),
    `DataLoader on: ×${result.throughputRatio} throughput, p99 ×${result.p99Ratio} lower`,
  ].join('\n');
}

if (require.main === module) {
  runRecommendationsBench()
    .then((result) => console.log(formatRecommendations(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
