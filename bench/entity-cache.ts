/**
 * What the entity cache gives the catalogue workload: one platform, two gateways over the same
 * subgraphs, one with the entity cache on and one with ENTITY_CACHE=off, loaded with the catalogue
 * page in interleaved rounds (on, off, off, on, …). Target (issue 13): cache on ≥ 3× the requests
 * per second of cache off. The platform is the embedded one (in-process LRU, in-process change
 * announcements); 127.0.0.1 only, bounded in time.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { ENTITY_CACHE_DEFAULTS } from '../platform/config';
import { fromRoot } from '../platform/paths';
import {
  CATALOGUE_PAGE,
  compareInterleaved,
  startBenchGateway,
  startBenchPlatform,
  type Comparison,
  type InterleavedOptions,
} from './interleaved';

const TARGET = 3;

export type EntityCacheBenchResult = Comparison<'on' | 'off'>;

export async function runEntityCacheBench(options: InterleavedOptions = {}): Promise<EntityCacheBenchResult> {
  const platform = await startBenchPlatform();
  const cached = await startBenchGateway(platform, { entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: true } });
  const uncached = await startBenchGateway(platform, { entityCache: { ...ENTITY_CACHE_DEFAULTS, enabled: false } });
  try {
    const result = await compareInterleaved<'on' | 'off'>(['on', cached.url], ['off', uncached.url], CATALOGUE_PAGE, TARGET, options);
    const out = fromRoot('bench', 'results', 'entity-cache.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await uncached.close();
    await cached.close();
    await platform.close();
  }
}

export function formatEntityCache(result: EntityCacheBenchResult): string {
  return [
    `Entity cache on vs off (ENTITY_CACHE=off), same platform, ${result.rounds.length} interleaved rounds of ${result.secondsPerRound} s, ${result.connections} connections`,
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
  runEntityCacheBench({ rounds, secondsPerRound })
    .then((result) => console.log(formatEntityCache(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
