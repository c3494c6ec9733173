/**
 * `npm run schema:check`: is the partner contract composed from code compatible with the
 * published one (gateway/contracts/partner.graphql)? Exits 1 listing every breaking change;
 * dangerous changes are printed as warnings. `npm test` runs it; `npm run compose` applies the
 * same gate before it rewrites the published file.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import { PARTNER_TAG_NAME } from '../subgraphs/kit/partner-tag';
import { PARTNER_API_SDL } from '../gateway/supergraph';
import { composeSupergraph, type SubgraphSource } from './composition';
import { deriveContract } from './contracts';
import { compareContracts, describeChange, type ContractChanges } from './schema-gate';

export interface SchemaCheckResult {
  changes: ContractChanges;
  /** What the check prints, one line each. */
  lines: string[];
  exitCode: 0 | 1;
}

export interface SchemaCheckOptions {
  /** The published contract (default: the committed gateway/contracts/partner.graphql). */
  publishedFile?: string;
  /** The subgraphs' SDL to derive the contract from (default: printed from the code). */
  sources?: SubgraphSource[];
}

export async function schemaCheck(options: SchemaCheckOptions = {}): Promise<SchemaCheckResult> {
  const sources = options.sources ?? (await composeSupergraph()).sources;
  const next = deriveContract(sources, PARTNER_TAG_NAME).apiSdl;
  const changes = await compareContracts(fs.readFileSync(options.publishedFile ?? PARTNER_API_SDL, 'utf8'), next);
  const lines = [
    ...changes.breaking.map((change) => `BREAKING ${describeChange(change)}`),
    ...changes.dangerous.map((change) => `warning: ${describeChange(change)}`),
  ];
  if (changes.breaking.length > 0) {
    lines.push(
      `${changes.breaking.length} breaking change(s) to the partner contract. Keep the old fields and arguments (deprecate them), ` +
        'or publish the break on purpose: npm run compose -- --accept-breaking "reason"',
    );
  } else {
    lines.push(`partner contract: no breaking changes (${changes.safe.length} safe, ${changes.dangerous.length} dangerous)`);
  }
  return { changes, lines, exitCode: changes.breaking.length > 0 ? 1 : 0 };
}

async function main() {
  const result = await schemaCheck();
  for (const line of result.lines) (line.startsWith('BREAKING') ? console.error : console.log)(line);
  process.exitCode = result.exitCode;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
