/**
 * The committed supergraph and partner contract are what the code composes to, every part of
 * their APIs is described, and the contract holds nothing private.
 */
import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { PARTNER_API_SDL, PARTNER_SUPERGRAPH_SDL, SUPERGRAPH_SDL } from '../gateway/supergraph';
import { composeSupergraph } from '../scripts/composition';
import { deriveContract, type Contract } from '../scripts/contracts';
import { PARTNER_TAG_NAME } from '../subgraphs/kit/partner-tag';

/** Every type, field, argument and enum value of `api` that has no description. */
function undescribed(api: GraphQLSchema): string[] {
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
  return missing;
}

describe('supergraph composition', () => {
  let composed: Awaited<ReturnType<typeof composeSupergraph>>;
  let partner: Contract;

  beforeAll(async () => {
    composed = await composeSupergraph();
    partner = deriveContract(composed.sources, PARTNER_TAG_NAME);
  });

  it('matches the committed SDL files (run `npm run compose` after changing a schema)', () => {
    expect(fs.readFileSync(SUPERGRAPH_SDL, 'utf8')).toBe(composed.supergraphSdl);
    for (const [file, sdl] of composed.subgraphFiles) {
      expect({ file, sdl: fs.readFileSync(file, 'utf8') }).toEqual({ file, sdl });
    }
  });

  it('describes every type, field, argument and enum value of the public API', () => {
    expect(undescribed(Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema())).toEqual([]);
  });

  it('keeps internal operations out of the public API', () => {
    const api = Supergraph.build(composed.supergraphSdl).apiSchema().toGraphQLJSSchema();
    expect(api.getMutationType()?.getFields().reserveStock).toBeUndefined();
    expect(api.getType('StockItemInput')).toBeUndefined();
  });

  it('matches the committed partner contract (run `npm run compose` after changing a schema)', () => {
    expect(fs.readFileSync(PARTNER_SUPERGRAPH_SDL, 'utf8')).toBe(partner.supergraphSdl);
    expect(fs.readFileSync(PARTNER_API_SDL, 'utf8')).toBe(partner.apiSdl);
  });

  it('describes every type, field, argument and enum value of the partner contract', () => {
    expect(undescribed(buildSchema(partner.apiSdl))).toEqual([]);
  });

  it('keeps personal data, payments, other accounts and internal fields out of the partner contract', () => {
    const api = buildSchema(partner.apiSdl);
    for (const hidden of ['User', 'UserConnection', 'Payment', 'PaymentStatus', 'Interaction', 'ReservedItem', 'StockItemInput']) {
      expect({ hidden, type: api.getType(hidden) }).toEqual({ hidden, type: undefined });
    }
    // Partners place orders for their customers and confirm them on account; no other mutation (payments, stock, admin) is theirs.
    expect(Object.keys(api.getMutationType()!.getFields())).toEqual(['placeOrder', 'confirmOrder']);
    expect(api.getSubscriptionType()).toBeUndefined();
    expect(Object.keys(api.getQueryType()!.getFields()).sort()).toEqual(['order', 'product', 'products']);
    expect(Object.keys((api.getType('Order') as GraphQLObjectType).getFields()).sort()).toEqual([
      'createdAt',
      'id',
      'items',
      'reservedUntil',
      'status',
      'total',
    ]);
    expect(Object.keys((api.getType('Recommendation') as GraphQLObjectType).getFields())).not.toContain('modelVersion');
    expect(Object.keys((api.getType('Product') as GraphQLObjectType).getFields())).toEqual(
      expect.arrayContaining(['id', 'name', 'price', 'stock', 'similar']),
    );
  });
});
