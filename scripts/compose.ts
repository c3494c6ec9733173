/**
 * `npm run compose [-- --accept-breaking "reason"]`: prints every subgraph's schema.graphql, writes
 * the supergraph SDL the gateway serves, and derives the partner contract (its supergraph and its
 * published API schema). A breaking change to the published contract is refused unless accepted
 * with a reason, which gateway/contracts/CHANGELOG.md then records.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PARTNER_API_SDL, PARTNER_CHANGELOG, PARTNER_SUPERGRAPH_SDL, SUPERGRAPH_SDL } from '../gateway/supergraph';
import { PARTNER_TAG_NAME } from '../subgraphs/kit/partner-tag';
import { composeSupergraph } from './composition';
import { deriveContract } from './contracts';
import { projectRoot } from '../platform/paths';
import { compareContracts, describeChange, publishDecision } from './schema-gate';

const CHANGELOG_HEADER =
  '# Partner contract changelog\n\nBreaking changes to gateway/contracts/partner.graphql, published on purpose with `npm run compose -- --accept-breaking "reason"`.\n\n';

function write(file: string, content: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  console.log(`wrote ${path.relative(projectRoot, file)}`);
}

async function main() {
  const { values } = parseArgs({ options: { 'accept-breaking': { type: 'string' } } });
  const reason = values['accept-breaking']?.trim();
  if (values['accept-breaking'] !== undefined && !reason)
    throw new Error('--accept-breaking needs a reason, e.g. --accept-breaking "Product.sku replaced by Product.code"');
  const composed = await composeSupergraph();
  const contract = deriveContract(composed.sources, PARTNER_TAG_NAME);
  // The gate runs before anything is written: a refused change leaves every file as it was.
  const published = fs.existsSync(PARTNER_API_SDL) ? fs.readFileSync(PARTNER_API_SDL, 'utf8') : undefined;
  const changes = published ? await compareContracts(published, contract.apiSdl) : undefined;
  for (const change of changes?.dangerous ?? []) console.warn(`warning: ${describeChange(change)}`);
  for (const change of changes?.breaking ?? []) console.error(`BREAKING ${describeChange(change)}`);
  const decision = publishDecision(changes, reason, new Date());
  if (!decision.allowed) throw new Error(decision.refusal);
  for (const [file, sdl] of composed.subgraphFiles) write(file, sdl);
  write(SUPERGRAPH_SDL, composed.supergraphSdl);
  write(PARTNER_SUPERGRAPH_SDL, contract.supergraphSdl);
  write(PARTNER_API_SDL, contract.apiSdl);
  if (decision.changelogEntry) {
    const existing = fs.existsSync(PARTNER_CHANGELOG) ? fs.readFileSync(PARTNER_CHANGELOG, 'utf8') : CHANGELOG_HEADER;
    write(PARTNER_CHANGELOG, existing + decision.changelogEntry);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
