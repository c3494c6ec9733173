/**
 * What the supergraph says about caching: which fields are tagged cacheable (the same answer for
 * every viewer), which types are entities and by which key fields. From that, whether one subgraph
 * fetch may be served from the cache, and which entities an answer holds (what invalidates it).
 */
import crypto from 'node:crypto';
import {
  buildASTSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { CACHEABLE_TAG_NAME } from '../../../../platform/entity-changes';

/** Response key → the field's type and, for an object field, what is selected under it. */
type Shape = Map<string, { type: GraphQLNamedType; shape?: Shape }>;

/** A root fetch (`products(first: 20)`): one entry per query and variables. */
export interface RootFetch {
  kind: 'root';
  /** The root fields, as the metrics' `type` label ("Query.products"). */
  label: string;
  /** Hash of the subgraph and query text; variables are added per request. */
  queryHash: string;
  shape: Shape;
  /** Entity types a list in the answer may hold: a created or deleted one invalidates the entry. */
  entityTypes: string[];
}

/** An `_entities` fetch: one entry per entity (type, representation, selection). */
export interface EntitiesFetch {
  kind: 'entities';
  queryHash: string;
  /** Per type, what the fetch selects of it. */
  shapes: Map<string, Shape>;
}

export type CacheableFetch = RootFetch | EntitiesFetch;

/** Distinct fetch texts remembered per schema; plans are few, so this only bounds a flood of odd queries. */
const MAX_ANALYSES = 2000;

const hasCacheableTag = (directives: readonly ConstDirectiveNode[] | undefined) =>
  (directives ?? []).some(
    (directive) =>
      directive.name.value === 'tag' &&
      directive.arguments?.some(
        (argument) => argument.name.value === 'name' && argument.value.kind === Kind.STRING && argument.value.value === CACHEABLE_TAG_NAME,
      ),
  );

export const sha1 = (text: string) => crypto.createHash('sha1').update(text).digest('base64url');

/** The tag an entity's entries carry: its type and key fields in name order, as announced changes name it. */
export function entityTag(typename: string, key: Record<string, unknown>): string {
  const fields = Object.keys(key).sort();
  return `${typename}:${JSON.stringify(fields.map((field) => [field, key[field]]))}`;
}

/** The tag every root entry carries per entity type it may list: a change that reshapes lists drops them. */
export const listTag = (typename: string) => `${typename}:*`;

export class CacheableSchema {
  private readonly schema: GraphQLSchema;
  /** Entity type → its keys, each a list of top-level scalar fields (compound keys with sub-selections are not cached). */
  private readonly keys = new Map<string, string[][]>();
  private readonly analyses = new Map<string, CacheableFetch | undefined>();

  constructor(supergraphSdl: string) {
    this.schema = buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
    for (const type of Object.values(this.schema.getTypeMap())) {
      const keys = (type.astNode?.directives ?? [])
        .filter((directive) => directive.name.value === 'join__type')
        .flatMap((directive) => directive.arguments?.filter((argument) => argument.name.value === 'key') ?? [])
        .flatMap((argument) => (argument.value.kind === Kind.STRING ? [argument.value.value] : []));
      if (keys.length > 0)
        this.keys.set(
          type.name,
          keys.map((key) => (/[{}]/.test(key) ? [] : key.trim().split(/\s+/))),
        );
    }
  }

  /** Whether a fetch may be cached, and how; undefined sends it through untouched. Remembered per text. */
  analyze(subgraph: string, query: string, document?: DocumentNode): CacheableFetch | undefined {
    const id = `${subgraph}\n${query}`;
    if (this.analyses.has(id)) return this.analyses.get(id);
    let analysis: CacheableFetch | undefined;
    try {
      analysis = this.analyzeDocument(sha1(id), document ?? parse(query));
    } catch {
      analysis = undefined;
    }
    if (this.analyses.size >= MAX_ANALYSES) this.analyses.clear();
    this.analyses.set(id, analysis);
    return analysis;
  }

  /**
   * Collects the entity tags of an answer into `tags`; false when an entity in it cannot be named
   * (its key fields were not selected), so the answer could not be invalidated and is not cached.
   */
  collectTags(value: unknown, type: GraphQLNamedType, shape: Shape | undefined, tags: Set<string>): boolean {
    if (value === null || value === undefined || typeof value !== 'object') return true;
    if (Array.isArray(value)) return value.every((item) => this.collectTags(item, type, shape, tags));
    const object = value as Record<string, unknown>;
    const concrete = isAbstractType(type) ? this.schema.getType(String(object.__typename)) : type;
    if (!concrete) return false;
    if (this.keys.has(concrete.name)) {
      const tag = this.entityTagOf(concrete.name, object);
      if (!tag) return false;
      tags.add(tag);
    }
    return this.collectTagsBelow(object, shape, tags);
  }

  /** As `collectTags`, for what an entity holds below itself (its own tag comes from its representation). */
  collectTagsBelow(object: Record<string, unknown>, shape: Shape | undefined, tags: Set<string>): boolean {
    for (const [responseKey, field] of shape ?? []) {
      if (field.shape && !this.collectTags(object[responseKey], field.type, field.shape, tags)) return false;
    }
    return true;
  }

  get queryType(): GraphQLNamedType | undefined {
    return this.schema.getQueryType() ?? undefined;
  }

  /** The tag of an entity whose key fields `object` holds (a response object or a representation). */
  entityTagOf(typename: string, object: Record<string, unknown>): string | undefined {
    for (const fields of this.keys.get(typename) ?? []) {
      if (fields.length === 0) continue;
      const values = fields.map((field) => object[field]);
      if (values.every((value) => typeof value === 'string' || typeof value === 'number')) {
        return entityTag(typename, Object.fromEntries(fields.map((field, index) => [field, values[index]])));
      }
    }
    return undefined;
  }

  private analyzeDocument(queryHash: string, document: DocumentNode): CacheableFetch | undefined {
    const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
    const [operation] = operations;
    if (operations.length !== 1 || operation.operation !== 'query') return undefined;
    const fragments = new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    const query = this.schema.getQueryType();
    if (!query) return undefined;
    const selections = operation.selectionSet.selections;
    const [only] = selections;
    if (selections.length === 1 && only.kind === Kind.FIELD && only.name.value === '_entities') {
      return this.analyzeEntities(queryHash, only.selectionSet, fragments);
    }
    const entityTypes = new Set<string>();
    const shape = this.cacheableSelection(operation.selectionSet, query, false, fragments, entityTypes);
    // Only `__typename`: no field the schema tags cacheable, so nothing to keep.
    if (!shape || shape.size === 0) return undefined;
    const label = `Query.${[...new Set([...shape.keys()].map((key) => this.rootFieldName(operation.selectionSet, key)))].join(',')}`;
    return { kind: 'root', label, queryHash, shape, entityTypes: [...entityTypes] };
  }

  private rootFieldName(selectionSet: SelectionSetNode, responseKey: string): string {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && (selection.alias?.value ?? selection.name.value) === responseKey) return selection.name.value;
    }
    return responseKey;
  }

  private analyzeEntities(
    queryHash: string,
    selectionSet: SelectionSetNode | undefined,
    fragments: Map<string, FragmentDefinitionNode>,
  ): EntitiesFetch | undefined {
    if (!selectionSet) return undefined;
    const shapes = new Map<string, Shape>();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD && selection.name.value === '__typename') continue;
      if (selection.kind !== Kind.INLINE_FRAGMENT || !selection.typeCondition) return undefined;
      const type = this.schema.getType(selection.typeCondition.name.value);
      if (!type || !this.keys.has(type.name)) return undefined;
      const shape = this.cacheableSelection(selection.selectionSet, type, false, fragments, new Set());
      if (!shape) return undefined;
      shapes.set(type.name, mergeShapes(shapes.get(type.name) ?? new Map(), shape));
    }
    // A type whose fetch selects only `__typename` selects no field the schema tags cacheable: the
    // fetch is passed through (the subgraph answers whether the entity exists), never cached.
    if (shapes.size === 0 || [...shapes.values()].some((shape) => shape.size === 0)) return undefined;
    return { kind: 'entities', queryHash, shapes };
  }

  /**
   * What a selection set selects, or undefined when some field in it is not cacheable. A field is
   * when it is tagged, or when it sits under a tagged field inside a value type (Money under
   * Product.price, PageInfo under Query.products); an entity's fields are judged on their own.
   */
  private cacheableSelection(
    selectionSet: SelectionSetNode,
    type: GraphQLNamedType,
    covered: boolean,
    fragments: Map<string, FragmentDefinitionNode>,
    entityTypes: Set<string>,
  ): Shape | undefined {
    const inherited = covered && !this.mayBeEntity(type);
    let shape: Shape = new Map();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__typename') continue;
        const field = fieldOf(type, selection.name.value);
        if (!field) return undefined;
        const tagged = hasCacheableTag(field.astNode?.directives);
        if (!tagged && !inherited) return undefined;
        const fieldType = getNamedType(field.type);
        const responseKey = selection.alias?.value ?? selection.name.value;
        if (!selection.selectionSet) {
          shape.set(responseKey, { type: fieldType });
          continue;
        }
        for (const possible of this.possibleTypes(fieldType)) if (this.keys.has(possible)) entityTypes.add(possible);
        const sub = this.cacheableSelection(selection.selectionSet, fieldType, true, fragments, entityTypes);
        if (!sub) return undefined;
        const existing = shape.get(responseKey)?.shape;
        shape.set(responseKey, { type: fieldType, shape: existing ? mergeShapes(existing, sub) : sub });
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) return undefined;
      const condition = fragment.typeCondition ? this.schema.getType(fragment.typeCondition.name.value) : type;
      if (!condition) return undefined;
      const sub = this.cacheableSelection(fragment.selectionSet, condition, covered, fragments, entityTypes);
      if (!sub) return undefined;
      shape = mergeShapes(shape, sub);
    }
    return shape;
  }

  private possibleTypes(type: GraphQLNamedType): string[] {
    return isAbstractType(type) ? this.schema.getPossibleTypes(type).map((possible) => possible.name) : [type.name];
  }

  private mayBeEntity(type: GraphQLNamedType): boolean {
    return this.possibleTypes(type).some((name) => this.keys.has(name));
  }
}

function fieldOf(type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (!isObjectType(type) && !('getFields' in type)) return undefined;
  return (type as { getFields(): Record<string, GraphQLField<unknown, unknown>> }).getFields()[name];
}

function mergeShapes(into: Shape, from: Shape): Shape {
  const merged: Shape = new Map(into);
  for (const [key, field] of from) {
    const existing = merged.get(key);
    merged.set(key, existing?.shape && field.shape ? { type: field.type, shape: mergeShapes(existing.shape, field.shape) } : field);
  }
  return merged;
}
