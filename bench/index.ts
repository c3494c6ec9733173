/**
 * `npm run bench`: every benchmark scenario in one run, each against a baseline measured in the
 * same run, figures printed and written under bench/results/. Localhost only, bounded in time.
 * `npm run bench -- inference` (or `fanout`, `recommendations`, `query-limits`, `partner`, `entity-cache`) runs one scenario.
 */
import 'reflect-metadata';
import { rootLogger } from '../platform/logger';
import { formatEntityCache, runEntityCacheBench } from './entity-cache';
import { formatFanout, runFanoutBench } from './fanout';
import { formatBench, runInferenceBench } from './inference';
import { formatPartner, runPartnerBench } from './partner';
import { formatQueryLimits, runQueryLimitsBench } from './query-limits';
import { formatRecommendations, runRecommendationsBench } from './recommendations';

const scenarios: Record<string, () => Promise<string>> = {
  inference: async () => formatBench(await runInferenceBench()),
  fanout: async () => formatFanout(await runFanoutBench()),
  recommendations: async () => formatRecommendations(await runRecommendationsBench()),
  'query-limits': async () => formatQueryLimits(await runQueryLimitsBench()),
  partner: async () => formatPartner(await runPartnerBench()),
  'entity-cache': async () => formatEntityCache(await runEntityCacheBench()),
};

async function main() {
  if (!process.env.LOG_LEVEL) rootLogger.level = 'warn';
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in scenarios));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`);
  for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) {
    console.log(`\n== ${name}`);
    console.log(await scenarios[name]());
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
