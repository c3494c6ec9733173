/**
 * Composition from supergraph.yaml (Rover's config format): each subgraph's SDL is printed from
 * its type-graphql code, then @apollo/composition builds the supergraph. `npm run compose` runs
 * it; the gateway never does, it reads the committed result (gateway/supergraph.graphql).
 */
import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import YAML from 'yaml';
import { fromRoot } from '../platform/paths';
import { subgraphs } from '../subgraphs';
import { buildFederatedSchema } from '../subgraphs/kit/schema';

export const SUPERGRAPH_CONFIG = fromRoot('supergraph.yaml');

interface RoverConfig {
  federation_version?: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

export interface Composed {
  /** Path (absolute) → printed subgraph SDL. */
  subgraphFiles: Map<string, string>;
  supergraphSdl: string;
}

export function readRoverConfig(file = SUPERGRAPH_CONFIG): RoverConfig {
  return YAML.parse(fs.readFileSync(file, 'utf8')) as RoverConfig;
}

export async function composeSupergraph(configFile = SUPERGRAPH_CONFIG): Promise<Composed> {
  const config = readRoverConfig(configFile);
  const root = path.dirname(configFile);
  const subgraphFiles = new Map<string, string>();
  const services = [];
  for (const definition of subgraphs) {
    const entry = config.subgraphs[definition.name];
    if (!entry) throw new Error(`supergraph.yaml has no entry for subgraph "${definition.name}"`);
    const sdl = `${printSubgraphSchema(await buildFederatedSchema(definition))}\n`;
    subgraphFiles.set(path.resolve(root, entry.schema.file), sdl);
    services.push({ name: definition.name, url: entry.routing_url, typeDefs: parse(sdl) });
  }
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((error) => `- ${error.message}`).join('\n')}`);
  }
  return { subgraphFiles, supergraphSdl: `${result.supergraphSdl}\n` };
}
