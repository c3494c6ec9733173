/**
 * List sizes a schema declares with `@listSize` from the GraphQL cost directive specification
 * (https://ibm.github.io/graphql-specs/cost-spec.html), which Apollo Federation composes from
 * subgraphs that link federation v2.9 or later into the supergraph as
 * `@link(url: "https://specs.apollo.dev/cost/v0.1")` (Apollo Router's demand control reads the same).
 * The API schema clients validate against carries no directives, so they are read here from the
 * supergraph and recorded against the API schema's own field objects, for the cost model
 * (gateway/plugins/operation/query-limits/cost.ts) to look up. Read: `assumedSize`, `slicingArguments`
 * and `sizedFields`; `requireOneSlicingArgument` is not enforced (an operation that gives none gets
 * `assumedSize`, or the configured size of an unsized list).
 */
import { costIdentity, type FieldDefinition, type InterfaceType, type ObjectType, type Supergraph } from '@apollo/federation-internals';
import { isInterfaceType, isObjectType, getNamedType, type GraphQLField, type GraphQLSchema } from 'graphql';

export interface ListSize {
  /** Items the list holds when no slicing argument sizes it. */
  assumedSize?: number;
  /** Arguments whose value is the list's size (the largest given, when several are). */
  slicingArguments?: string[];
  /**
   * Fields of the returned type that the size applies to (a connection's `edges`): the size multiplies
   * the declaring field, and they count once each there.
   */
  sizedFields?: string[];
}

type AnyField = GraphQLField<unknown, unknown>;

const declared = new WeakMap<AnyField, ListSize>();
/** Fields named in a `sizedFields`: the size was counted at the field that declared it. */
const sizedByParent = new WeakSet<AnyField>();
/** Per schema, every argument name any `@listSize` slices by: the cost memo keys on the variables that feed them. */
const slicingNames = new WeakMap<GraphQLSchema, ReadonlySet<string>>();

const fieldOf = (schema: GraphQLSchema, typeName: string, fieldName: string): AnyField | undefined => {
  const type = schema.getType(typeName);
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName] : undefined;
};

/**
 * Records the supergraph's `@listSize` applications against `api` (its API schema as graphql-js
 * sees it). Fields the API schema lacks (inaccessible ones) are skipped. Call once per API schema.
 */
export function declareListSizes(supergraph: Supergraph, api: GraphQLSchema): void {
  const names = new Set<string>();
  slicingNames.set(api, names);
  const feature = supergraph.schema.coreFeatures?.getByIdentity(costIdentity);
  if (!feature) return;
  const directive = supergraph.schema.directive(feature.directiveNameInSchema('listSize'));
  for (const application of directive?.applications() ?? []) {
    // The directive's only location is FIELD_DEFINITION.
    const definition = application.parent as FieldDefinition<ObjectType | InterfaceType>;
    const field = fieldOf(api, definition.parent.name, definition.name);
    if (!field) continue;
    const args = application.arguments() as {
      assumedSize?: number | null;
      slicingArguments?: string[] | null;
      sizedFields?: string[] | null;
    };
    const size: ListSize = {
      ...(typeof args.assumedSize === 'number' ? { assumedSize: args.assumedSize } : {}),
      ...(args.slicingArguments?.length ? { slicingArguments: [...args.slicingArguments] } : {}),
      ...(args.sizedFields?.length ? { sizedFields: [...args.sizedFields] } : {}),
    };
    declared.set(field, size);
    for (const name of size.slicingArguments ?? []) names.add(name);
    const returned = getNamedType(field.type);
    for (const name of size.sizedFields ?? []) {
      const child = fieldOf(api, returned.name, name);
      if (child) sizedByParent.add(child);
    }
  }
}

/** The `@listSize` declared on this field, if any. */
export const declaredListSize = (field: AnyField): ListSize | undefined => declared.get(field);

/** Whether the field is one a parent's `@listSize(sizedFields:)` names. */
export const isSizedByParent = (field: AnyField): boolean => sizedByParent.has(field);

/** Argument names that slice a list somewhere in the schema (empty for a schema nothing was declared for). */
export const slicingArgumentNames = (schema: GraphQLSchema): ReadonlySet<string> => slicingNames.get(schema) ?? new Set();
