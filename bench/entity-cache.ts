/**
 * What the entity cache gives the catalogue workload: one platform, two gateways over the same
 * subgraphs, one with the entity cache on and one with ENTITY_CACHE=off, loaded with the catalogue
 * page in interleaved rounds (on, off, off, on, …). Target (issue 13): cache on ≥ 3× the requests
 * per second of cache off. The platform is the embedded one (in-process LRU, in-process change
 * announcements); with ENTITY_CACHE_BENCH_REDIS_URL the cached gateway keeps its entries in that
 * Redis instead (under a namespace of its own, deleted afterwards). 127.0.0.1 only, bounded in time.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ENTITY_CACHE_DEFAULTS } from '../platform/config';
import { rootLogger } from '../platform/logger';
import { fromRoot } from '../platform/paths';
import { closeRedis, openRedis } from '../platform/redis';
import {
  CATALOGUE_PAGE,
  compareInterleaved,
  startBenchGateway,
  startBenchPlatform,
  type Comparison,
  type InterleavedOptions,
} from './interleaved';

const TARGET = 3;

export type EntityCacheBenchResult = Comparison<'on' | 'off'> & { store: 'memory' | 'redis' };

export async function runEntityCacheBench(options: InterleavedOptions & { redisUrl?: string } = {}): Promise<EntityCacheBenchResult> {
  const platform = await startBenchPlatform();
  const redisNamespace = `bench-entity-cache-${crypto.randomUUID()}`;
  const cached = await startBenchGateway(platform, {
    entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: true },
    ...(options.redisUrl ? { redisUrl: options.redisUrl, redisNamespace } : {}),
  });
  const uncached = await startBenchGateway(platform, { entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false } });
  try {
    const comparison = await compareInterleaved<'on' | 'off'>(['on', cached.url], ['off', uncached.url], CATALOGUE_PAGE, TARGET, options);
    const result: EntityCacheBenchResult = { ...comparison, store: options.redisUrl ? 'redis' : 'memory' };
    const out = fromRoot('bench', 'results', options.redisUrl ? 'entity-cache-redis.json' : 'entity-cache.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await uncached.close();
    await cached.close();
    await platform.close();
    if (options.redisUrl) await deleteKeys(options.redisUrl, redisNamespace);
  }
}

/** The bench's own keys only: the Redis may be shared. */
async function deleteKeys(url: string, namespace: string): Promise<void> {
  const redis = openRedis(url, { role: 'bench cleanup', log: rootLogger });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await closeRedis(redis);
  }
}

export function formatEntityCache(result: EntityCacheBenchResult): string {
  return [
    `Entity cache on (${result.store} store) vs off (ENTITY_CACHE=off), same platform, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
    `query: ${result.query}`,
    `${'cache'.padEnd(8)} ${'req/s'.padStart(8)} ${'mean ms'.padStart(8)}`,
    ...(['on', 'off'] as const).map(
      (side) =>
        `${side.padEnd(8)} ${String(result.sides[side].requestsPerSecond).padStart(8)} ${String(result.sides[side].meanLatencyMs).padStart(8)}`,
    ),
    `throughput on/off: ${result.throughputRatio} over all rounds; per pair of rounds ${result.pairRatios.join(', ')}; median ${result.medianPairRatio} (95% interval ${result.interval[0]}–${result.interval[1]})`,
    `target: cache on ≥ ${result.target}× cache off: ${result.verdict.toUpperCase()}`,
  ].join('\n');
}

if (require.main === module) {
  const rounds = Number(process.env.BENCH_ROUNDS) || undefined;
  const secondsPerRound = Number(process.env.BENCH_SECONDS) || undefined;
  runEntityCacheBench({ rounds, secondsPerRound, redisUrl: process.env.ENTITY_CACHE_BENCH_REDIS_URL || undefined })
    .then((result) => console.log(formatEntityCache(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
