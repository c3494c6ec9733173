/**
 * Composition from supergraph.yaml (Rover's config format): each subgraph's SDL is printed from
 * its type-graphql code, then @apollo/composition builds the supergraph. `npm run compose` runs
 * it; the gateway never does, it reads the committed result (gateway/supergraph.graphql).
 */
import fs from 'node:fs';
import path from 'node:path';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import YAML from 'yaml';
import { fromRoot } from '../platform/paths';
import { subgraphs } from '../subgraphs';
import { buildFederatedSchema } from '../subgraphs/kit/schema';
import { composeDocuments } from './compose-documents';

export { composeDocuments };

export const SUPERGRAPH_CONFIG = fromRoot('supergraph.yaml');

interface RoverConfig {
  federation_version?: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

/** One subgraph as composition sees it: its name, routing URL and printed SDL. */
export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

export interface Composed {
  /** Path (absolute) → printed subgraph SDL. */
  subgraphFiles: Map<string, string>;
  /** The same SDL per subgraph, for deriving contracts from it. */
  sources: SubgraphSource[];
  supergraphSdl: string;
}

export function readRoverConfig(file = SUPERGRAPH_CONFIG): RoverConfig {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as RoverConfig;
}

export async function composeSupergraph(configFile = SUPERGRAPH_CONFIG): Promise<Composed> {
  const config = readRoverConfig(configFile);
  const root = path.dirname(configFile);
  const subgraphFiles = new Map<string, string>();
  const sources: SubgraphSource[] = [];
  for (const definition of subgraphs) {
    const entry = config.subgraphs[definition.name];
    if (!entry) throw new Error(`supergraph.yaml has no entry for subgraph "${definition.name}"`);
    const sdl = `${printSubgraphSchema(await buildFederatedSchema(definition))}\n`;
    subgraphFiles.set(path.resolve(root, entry.schema.file), sdl);
    sources.push({ name: definition.name, url: entry.routing_url, sdl });
  }
  const supergraphSdl = composeDocuments(sources.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })));
  return { subgraphFiles, sources, supergraphSdl };
}
