/**
 * `npm run bench`: every benchmark scenario in one run, each against a baseline measured in the
 * same run, figures printed and written under bench/results/. Localhost only, bounded in time.
 * `npm run bench -- inference` (or `fanout`, `recommendations`, `query-limits`, `partner`, `subgraph-client`, `gateway`, `entity-cache`, `claims`, `federation`) runs one scenario;
 * `--quick` makes the scenarios that know it (gateway, recommendations, federation) short smoke runs;
 * `federation --hive-inbound` adds Hive Gateway sharing whole identical in-flight requests;
 * `recommendations --sizes` runs only its operation-size scenario (N users per operation, both pipelines);
 * `--tracing` adds the gateway with tracing on to `gateway`.
 */
import 'reflect-metadata';
import { quietUnlessConfigured } from '../platform/logger';
import { formatClaims, runClaimsBench } from './claims';
import { formatEntityCache, runEntityCacheBench } from './entity-cache';
import { formatFanout, runFanoutBench } from './fanout';
import { formatFederation, runFederationBench } from './federation';
import { formatGateway, runGatewayBench } from './gateway';
import { formatBench, runInferenceBench } from './inference';
import { formatPartner, runPartnerBench } from './partner';
import { runQueryLimitsBenches } from './query-limits';
import { formatOperationSizes, QUICK_PLAN } from './operation-sizes-figures';
import { formatRecommendations, runOperationSizesOnly, runRecommendationsBench } from './recommendations';
import { formatSubgraphClient, runSubgraphClientBench } from './subgraph-client';

const quick = process.argv.includes('--quick');

const scenarios: Record<string, () => Promise<string>> = {
  inference: async () => formatBench(await runInferenceBench()),
  fanout: async () => formatFanout(await runFanoutBench()),
  recommendations: async () =>
    process.argv.includes('--sizes')
      ? formatOperationSizes(await runOperationSizesOnly(quick ? QUICK_PLAN : undefined))
      : formatRecommendations(
          await runRecommendationsBench(quick ? { seconds: 3, pairs: 1, secondsPerRound: 3, sizePlan: QUICK_PLAN } : {}),
        ),
  'query-limits': runQueryLimitsBenches,
  partner: async () => formatPartner(await runPartnerBench()),
  'subgraph-client': async () => formatSubgraphClient(await runSubgraphClientBench()),
  gateway: async () =>
    formatGateway(
      await runGatewayBench({ ...(quick ? { rounds: 2, secondsPerRound: 3 } : {}), tracing: process.argv.includes('--tracing') }),
    ),
  'entity-cache': async () => formatEntityCache(await runEntityCacheBench()),
  claims: async () => formatClaims(await runClaimsBench()),
  federation: async () =>
    formatFederation(
      await runFederationBench({
        ...(quick ? { rounds: 1, secondsPerRound: 3, warmupSeconds: 1 } : {}),
        hiveInbound: process.argv.includes('--hive-inbound'),
      }),
    ),
};

async function main() {
  quietUnlessConfigured();
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
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
