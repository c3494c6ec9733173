/**
 * type-graphql classes → a Federation 2 subgraph schema (the helper type-graphql's own
 * apollo-federation-2 example uses), so each subgraph only declares its types and resolvers.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createPubSub } from '@graphql-yoga/subscription';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, getMetadataStorage, type NonEmptyArray } from 'type-graphql';

export const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@tag", "@inaccessible"])`;

export interface SubgraphSchemaParts {
  // type-graphql takes resolver classes; their constructors are all it needs.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** `__resolveReference` per entity type name. */
  referenceResolvers?: GraphQLResolverMap<unknown>;
}

const ROOT_DESCRIPTIONS = {
  Query: 'Entry points for reading data.',
  Mutation: 'Entry points for changing data.',
  Subscription: 'Entry points for streams of updates.',
};

/** type-graphql cannot describe root types; every subgraph gives them the same words so composition agrees. */
function describeRootTypes(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (type) type.description = ROOT_DESCRIPTIONS[type.name as keyof typeof ROOT_DESCRIPTIONS];
  }
}

/**
 * type-graphql gives every plain field (a property read) a resolver of its own that builds a
 * resolver-data object and runs the field's middlewares; a list of orders reads hundreds of such
 * fields per request. A field with no middleware, no @Authorized and its property's own name is
 * marked `simple`, type-graphql's own opt-out, so graphql's default resolver reads it instead: the
 * same value, without the wrapper. Field resolvers (@FieldResolver) are untouched (they win anyway).
 */
function resolvePlainFieldsByDefault(): void {
  const storage = getMetadataStorage();
  const key = (target: unknown, field: string) => `${String((target as { name?: string }).name)}.${field}`;
  const guarded = new Set([...storage.middlewares, ...storage.authorizedFields].map((entry) => key(entry.target, entry.fieldName)));
  const guardedTypes = new Set<unknown>(storage.resolverMiddlewares.map((entry) => entry.target));
  for (const field of storage.fields) {
    if (field.simple !== undefined || field.name !== field.schemaName) continue;
    if (guardedTypes.has(field.target) || guarded.has(key(field.target, field.name))) continue;
    field.simple = true;
  }
}

export async function buildFederatedSchema(parts: SubgraphSchemaParts): Promise<GraphQLSchema> {
  resolvePlainFieldsByDefault();
  const schema = await buildSchema({
    resolvers: parts.resolvers,
    orphanedTypes: parts.orphanedTypes,
    // A subgraph may have no Query of its own; federation adds _entities/_service.
    skipCheck: true,
    validate: false,
    // type-graphql insists on a PubSub when a schema has subscriptions. Ours stream from the platform
    // broadcast through their own `subscribe` functions (platform/broadcast), so nothing is published here.
    pubSub: createPubSub(),
  });
  describeRootTypes(schema);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  for (const [typeName, fields] of Object.entries(parts.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...(fields as object) } as never;
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers,
  });
}
