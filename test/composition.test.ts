/** The committed supergraph is what the code composes to, and every part of its API is described. */
import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { SUPERGRAPH_SDL } from '../gateway/supergraph';
import { composeSupergraph } from '../scripts/composition';

describe('supergraph composition', () => {
  let composed: Awaited<ReturnType<typeof composeSupergraph>>;

  beforeAll(async () => {
    composed = await composeSupergraph();
  });

  it('matches the committed SDL files (run `npm run compose` after changing a schema)', () => {
    expect(fs.readFileSync(SUPERGRAPH_SDL, 'utf8')).toBe(composed.supergraphSdl);
    for (const [file, sdl] of composed.subgraphFiles) {
      expect({ file, sdl: fs.readFileSync(file, 'utf8') }).toEqual({ file, sdl });
    }
  });

  it('describes every type, field, argument and enum value of the public API', () => {
    const api: GraphQLSchema = Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema();
    const missing: string[] = [];
    for (const type of Object.values(api.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('keeps internal operations out of the public API', () => {
    const api = Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema();
    expect(api.getMutationType()?.getFields().reserveStock).toBeUndefined();
    expect(api.getType('StockItemInput')).toBeUndefined();
  });
});
