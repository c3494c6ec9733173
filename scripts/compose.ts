/** `npm run compose`: prints every subgraph's schema.graphql and writes the supergraph SDL the gateway serves. */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { composeSupergraph } from './composition';
import { projectRoot } from '../platform/paths';

async function main() {
  const composed = await composeSupergraph();
  for (const [file, sdl] of composed.subgraphFiles) {
    fs.writeFileSync(file, sdl);
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  }
  fs.writeFileSync(SUPERGRAPH_SDL, composed.supergraphSdl);
  console.log(`wrote ${path.relative(projectRoot, SUPERGRAPH_SDL)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
