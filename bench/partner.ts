/**
 * What the partner endpoint costs against the main one: one gateway (the same process serves
 * /graphql and /partner/graphql over the same subgraphs), the same catalogue query on both, loaded
 * in interleaved rounds (main, partner, partner, main, …) so that drift in the machine's load falls
 * on both alike, and judged like bench/query-limits.ts on the median ratio of each pair of rounds.
 * The partner side sends a partner's API key, so key checks, usage metrics and the cost budget
 * are measured too. The gateway's rate limits are off here (per IP and per partner alike): a
 * bench from one client would otherwise hit them. Target
 * (issue 11): the partner endpoint's throughput within 10% of the main endpoint's. 127.0.0.1 only,
 * bounded in time.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { signToken } from '../gateway/plugins/http/auth/token';
import { PARTNER_ENDPOINT } from '../gateway/partner';
import { API_KEY_HEADER } from '../platform/api-keys';
import { createAdminRequest } from '../scripts/partner/admin-client';
import { fromRoot } from '../platform/paths';
import {
  CATALOGUE_PAGE,
  compareInterleaved,
  startBenchGateway,
  startBenchPlatform,
  type Comparison,
  type InterleavedOptions,
} from './interleaved';

/** A catalogue page, as a partner's storefront would ask for it. */
const QUERY = CATALOGUE_PAGE;
const TARGET = 0.9;

export type PartnerBenchResult = Comparison<'partner' | 'main'>;

/**
 * A partner for the bench, made through the admin API as the CLI makes one; its key is checked on
 * every request like any partner's (answers cached by the gateway as in production).
 */
async function createBenchPartner(graphqlUrl: string, jwtSecret: string): Promise<string> {
  const token = await signToken(jwtSecret, { userId: 'bench-admin', roles: ['admin'], expiresIn: '5m' });
  const admin = createAdminRequest(graphqlUrl, token);
  const { createPartner } = await admin<{ createPartner: { apiKey: string } }>(
    'mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { apiKey } }',
    { input: { name: `bench-${Date.now()}`, requestsPerMinute: 1_000_000 } },
  );
  return createPartner.apiKey;
}

export async function runPartnerBench(options: InterleavedOptions = {}): Promise<PartnerBenchResult> {
  const platform = await startBenchPlatform();
  const gateway = await startBenchGateway(platform);
  try {
    const partnerUrl = gateway.url.replace(/\/graphql$/, PARTNER_ENDPOINT);
    const apiKey = await createBenchPartner(gateway.url, platform.config.jwtSecret);
    const result = await compareInterleaved<'partner' | 'main'>(
      ['partner', partnerUrl, { [API_KEY_HEADER]: apiKey }],
      ['main', gateway.url],
      QUERY,
      TARGET,
      options,
    );
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
    `${'/graphql'.padEnd(18)} ${String(result.sides.main.requestsPerSecond).padStart(8)} ${String(result.sides.main.meanLatencyMs).padStart(8)}`,
    `${PARTNER_ENDPOINT.padEnd(18)} ${String(result.sides.partner.requestsPerSecond).padStart(8)} ${String(result.sides.partner.meanLatencyMs).padStart(8)}`,
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
