/**
 * Federation contracts, derived the way GraphOS derives them: in every subgraph, each element
 * that the include tag does not reach becomes `@inaccessible`, the subgraphs are composed again
 * with @apollo/composition, and the API schema of that supergraph is the contract. A contract
 * gateway serves the contract supergraph over the same subgraphs; inaccessible fields stay
 * usable by its query planner (entity keys) but do not exist for its clients.
 *
 * What the tag reaches (subgraphs/kit/partner-tag.ts): starting from the root types, a field is
 * in when it is tagged, or the type is tagged in the subgraph that defines the field (a tag on
 * Product in the products subgraph does not pull in fields other subgraphs add to Product); the
 * types it returns or takes are then reached in turn. Scalars, enums, unions and input types come whole with the fields that use
 * them; an object type reached through a field but with nothing tagged is an error, so that
 * nothing enters the contract by accident. Tagged types no included field leads to are dropped.
 */
import { Supergraph } from '@apollo/federation-internals';
import { Kind, parse, printSchema, visit, type ConstDirectiveNode, type DefinitionNode, type DocumentNode, type TypeNode } from 'graphql';
import { composeDocuments, type SubgraphSource } from './composition';

export interface Contract {
  /** The contract supergraph: what its gateway loads. */
  supergraphSdl: string;
  /** The contract's API schema: what its clients see, and what is published. */
  apiSdl: string;
}

type TypeKind = 'object' | 'whole';

interface MergedType {
  kind: TypeKind;
  /** Field name → whether a subgraph tags it (or its type there), and the type names it returns or takes. */
  fields: Map<string, { tagged: boolean; refs: Set<string> }>;
  /** Union members: reached with the union. */
  members: Set<string>;
}

const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'];

const INACCESSIBLE: ConstDirectiveNode = { kind: Kind.DIRECTIVE, name: { kind: Kind.NAME, value: 'inaccessible' } };

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function hasTag(directives: readonly ConstDirectiveNode[] | undefined, tag: string): boolean {
  return (directives ?? []).some(
    (directive) =>
      directive.name.value === 'tag' &&
      (directive.arguments ?? []).some(
        (argument) => argument.name.value === 'name' && argument.value.kind === Kind.STRING && argument.value.value === tag,
      ),
  );
}

function isInaccessible(directives: readonly ConstDirectiveNode[] | undefined): boolean {
  return (directives ?? []).some((directive) => directive.name.value === 'inaccessible');
}

function typeKind(definition: DefinitionNode): TypeKind | undefined {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.OBJECT_TYPE_EXTENSION:
    case Kind.INTERFACE_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_EXTENSION:
      return 'object';
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
    case Kind.INPUT_OBJECT_TYPE_EXTENSION:
    case Kind.ENUM_TYPE_DEFINITION:
    case Kind.ENUM_TYPE_EXTENSION:
    case Kind.SCALAR_TYPE_DEFINITION:
    case Kind.SCALAR_TYPE_EXTENSION:
    case Kind.UNION_TYPE_DEFINITION:
    case Kind.UNION_TYPE_EXTENSION:
      return 'whole';
    default:
      return undefined;
  }
}

/** Every subgraph's types merged by name: which fields are tagged, and what each field refers to. */
function mergeTypes(documents: DocumentNode[], tag: string): Map<string, MergedType> {
  const types = new Map<string, MergedType>();
  for (const document of documents) {
    for (const definition of document.definitions) {
      const kind = typeKind(definition);
      if (!kind || !('name' in definition) || !definition.name) continue;
      const name = definition.name.value;
      const merged = types.get(name) ?? { kind, fields: new Map(), members: new Set<string>() };
      types.set(name, merged);
      const directives = 'directives' in definition ? (definition.directives as readonly ConstDirectiveNode[] | undefined) : undefined;
      const typeTagged = hasTag(directives, tag);
      if ('fields' in definition) {
        for (const field of definition.fields ?? []) {
          const entry = merged.fields.get(field.name.value) ?? { tagged: false, refs: new Set<string>() };
          merged.fields.set(field.name.value, entry);
          entry.tagged ||= typeTagged || hasTag(field.directives, tag);
          entry.refs.add(namedType(field.type));
          for (const argument of 'arguments' in field ? (field.arguments ?? []) : []) entry.refs.add(namedType(argument.type));
        }
      }
      if ('types' in definition) for (const member of definition.types ?? []) merged.members.add(member.name.value);
    }
  }
  return types;
}

/** The type names and `Type.field` coordinates the tag reaches from the root types. */
export function reachedByTag(documents: DocumentNode[], tag: string): { types: Set<string>; fields: Set<string> } {
  const types = mergeTypes(documents, tag);
  const reachedTypes = new Set<string>();
  const reachedFields = new Set<string>();
  const problems: string[] = [];
  const reach = (name: string, from: string) => {
    const type = types.get(name);
    // Built-in scalars have no definition in the SDL and need no marking.
    if (!type || reachedTypes.has(name)) return;
    const included = [...type.fields].filter(([, field]) => type.kind === 'whole' || field.tagged);
    if (type.kind === 'object' && included.length === 0) {
      if (!ROOT_TYPES.includes(name))
        problems.push(`${from} returns ${name}, which has no field tagged "${tag}": tag ${name} or some of its fields`);
      return;
    }
    reachedTypes.add(name);
    for (const [fieldName, field] of included) {
      reachedFields.add(`${name}.${fieldName}`);
      for (const ref of field.refs) reach(ref, `${name}.${fieldName}`);
    }
    for (const member of type.members) reach(member, name);
  };
  for (const root of ROOT_TYPES) reach(root, root);
  if (problems.length > 0) throw new Error(`The "${tag}" contract is incomplete:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
  return { types: reachedTypes, fields: reachedFields };
}

/** One subgraph's SDL with every element the tag does not reach marked @inaccessible. */
function hideUnreached(document: DocumentNode, reached: { types: Set<string>; fields: Set<string> }): DocumentNode {
  const hide = <Node extends { directives?: readonly ConstDirectiveNode[] }>(node: Node): Node =>
    isInaccessible(node.directives) ? node : { ...node, directives: [...(node.directives ?? []), INACCESSIBLE] };
  return {
    ...document,
    definitions: document.definitions.map((definition) => {
      const kind = typeKind(definition);
      if (!kind || !('name' in definition) || !definition.name) return definition;
      const name = definition.name.value;
      if (!reached.types.has(name)) return hide(definition as DefinitionNode & { directives?: readonly ConstDirectiveNode[] });
      if (kind !== 'object') return definition;
      return visit(definition, {
        FieldDefinition: (field) => (reached.fields.has(`${name}.${field.name.value}`) ? undefined : hide(field)),
      });
    }),
  };
}

/** Derives the contract that `tag` selects from the subgraphs' printed SDL. */
export function deriveContract(sources: SubgraphSource[], tag: string): Contract {
  const documents = sources.map((source) => parse(source.sdl));
  const reached = reachedByTag(documents, tag);
  const supergraphSdl = composeDocuments(
    sources.map((source, index) => ({ name: source.name, url: source.url, typeDefs: hideUnreached(documents[index], reached) })),
  );
  const apiSdl = `${printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema())}\n`;
  return { supergraphSdl, apiSdl };
}
