/**
 * Result shaping (what @apollo/gateway's computeResponse does after a plan has run: the merged
 * subgraph answers walked along the client's operation into a new object, fields in the
 * operation's order, fragments applied by __typename, @skip/@include honoured), compiled once per
 * operation instead of interpreted per value. Apollo's walk asks the operation model for each
 * selection's directives, definition, type and response name at every object of every list; a
 * compiled operation has them at hand.
 *
 * Only answers that shape without a single error are shaped here. The moment a value would make
 * Apollo report something (a null in a non-null field, an invalid leaf, an unknown __typename, an
 * assertion of its own), shaping gives up and the caller hands the whole answer to Apollo's
 * computeResponse, whose errors and null propagation then are Apollo's exactly. Giving up costs a
 * second walk, on answers that are wrong anyway. Operations with introspection fields are not
 * compiled at all (`compileShaper` answers undefined).
 */
import {
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  typenameFieldName,
  type CompositeType,
  type Directive,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import { isValidLeafValue } from '@apollo/federation-internals/dist/values';
import { emptyRecord } from './records';

/** Thrown inside shaping when Apollo would report an error: the caller falls back to Apollo's shaping. */
const GIVE_UP = Symbol('shaping gives up');

type Variables = Record<string, unknown>;
type Output = Record<string, unknown>;

/** How a field's declared type is walked: wrappers outside in, then a leaf check or a selection set. */
type TypeStep =
  | { kind: 'nonNull'; of: TypeStep }
  | { kind: 'list'; of: TypeStep }
  | { kind: 'composite'; type: CompositeType }
  | { kind: 'leaf'; valid: (value: unknown) => boolean };

type Skip = ((variables: Variables) => boolean) | undefined;

type CompiledSelection =
  | { kind: 'field'; responseName: string; skip: Skip; type: TypeStep; selections: CompiledSet | undefined }
  | { kind: 'typename'; responseName: string; skip: Skip }
  | { kind: 'fragment'; skip: Skip; condition: FragmentCondition | undefined; selections: CompiledSet };

type CompiledSet = readonly CompiledSelection[];

/** Whether a fragment's type condition applies: by the object's __typename, else by the type the walk is in; memoised (the schema is fixed). */
class FragmentCondition {
  private readonly byTypename = new Map<string, boolean>();
  private readonly byParent = new Map<string, boolean>();
  constructor(
    readonly type: CompositeType,
    private readonly schema: Schema,
  ) {}

  applies(typename: string | undefined, parentType: CompositeType): boolean {
    if (typename) {
      let applies = this.byTypename.get(typename);
      if (applies === undefined) {
        const type = this.schema.type(typename);
        applies = !!type && isSubtype(this.type, type);
        this.byTypename.set(typename, applies);
      }
      return applies;
    }
    let applies = this.byParent.get(parentType.name);
    if (applies === undefined) {
      applies = isSubtype(this.type, parentType);
      this.byParent.set(parentType.name, applies);
    }
    return applies;
  }
}

export interface ShapedResponse {
  data: Output;
}

/** An operation's shaping, compiled: shape() answers the response's data, or undefined where Apollo's shaping must decide. */
export interface Shaper {
  shape(input: Output, variables: Variables | undefined): ShapedResponse | undefined;
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

export function compileShaper(operation: Operation): Shaper | undefined {
  const schema = operation.schema();
  const namedTypes = new Map<string, NamedType | null>();
  /** The schema's type of a name (a __typename), looked up once. */
  const namedType = (name: string): NamedType | null => {
    let type = namedTypes.get(name);
    if (type === undefined) {
      type = schema.type(name) ?? null;
      namedTypes.set(name, type);
    }
    return type;
  };
  const compositeType = (name: string): CompositeType | null => {
    const type = namedType(name);
    return type && isCompositeType(type) ? type : null;
  };
  /** The name __typename answers for an object, or null where Apollo's shaping would bubble a null up. */
  const objectTypeName = (name: string | null, parentType: CompositeType): string | null => {
    const type = (name === null ? null : namedType(name)) ?? parentType;
    return isObjectType(type) ? type.name : null;
  };
  const leafChecks = new Map<NamedType, (value: unknown) => boolean>();
  const leafCheck = (type: NamedType): ((value: unknown) => boolean) => {
    let check = leafChecks.get(type);
    if (!check) {
      check = leafValidator(schema, type);
      leafChecks.set(type, check);
    }
    return check;
  };

  let introspection = false;
  /** Whether any selection has @skip or @include: only then does shaping need the variables with their defaults. */
  let conditional = false;
  const skipOf = (element: { appliedDirectivesOf(definition: unknown): Directive<never>[] }): Skip => {
    const skipDirective = element.appliedDirectivesOf(schema.skipDirective())[0];
    const includeDirective = element.appliedDirectivesOf(schema.includeDirective())[0];
    if (!skipDirective && !includeDirective) return undefined;
    conditional = true;
    const skipIf = skipDirective && conditionOf(skipDirective);
    const includeIf = includeDirective && conditionOf(includeDirective);
    return (variables) => (skipIf !== undefined && skipIf(variables)) || (includeIf !== undefined && !includeIf(variables));
  };

  const stepOf = (type: Type): TypeStep => {
    if (isNonNullType(type)) return { kind: 'nonNull', of: stepOf(type.ofType) };
    if (isListType(type)) return { kind: 'list', of: stepOf(type.ofType) };
    if (isCompositeType(type)) return { kind: 'composite', type };
    return { kind: 'leaf', valid: leafCheck(type as NamedType) };
  };

  const compiledSets = new Map<SelectionSet, CompiledSet>();
  const compileSet = (selectionSet: SelectionSet): CompiledSet => {
    const known = compiledSets.get(selectionSet);
    if (known) return known;
    const compiled: CompiledSelection[] = [];
    for (const selection of selectionSet.selections()) {
      if (selection.kind === 'FieldSelection') {
        const field = selection.element;
        if (field.definition.isSchemaIntrospectionField()) {
          introspection = true;
          continue;
        }
        const skip = skipOf(field as never);
        const responseName = field.responseName();
        if (field.name === typenameFieldName) {
          compiled.push({ kind: 'typename', responseName, skip });
          continue;
        }
        compiled.push({
          kind: 'field',
          responseName,
          skip,
          type: stepOf(field.definition.type!),
          selections: selection.selectionSet ? compileSet(selection.selectionSet) : undefined,
        });
      } else {
        const fragment = selection.element;
        compiled.push({
          kind: 'fragment',
          skip: skipOf(fragment as never),
          condition: fragment.typeCondition ? new FragmentCondition(fragment.typeCondition, schema) : undefined,
          selections: compileSet(selection.selectionSet),
        });
      }
    }
    compiledSets.set(selectionSet, compiled);
    return compiled;
  };

  const root = compileSet(operation.selectionSet);
  if (introspection) return undefined;
  const rootType = schema.schemaDefinition.rootType(operation.rootKind)!;
  const defaultedVariables = conditional ? operation.collectDefaultedVariableValues() : undefined;

  function applySet(input: Output, selections: CompiledSet, output: Output, variables: Variables, parentType: CompositeType): void {
    for (const selection of selections) {
      if (selection.skip !== undefined && selection.skip(variables)) continue;
      if (selection.kind === 'field') {
        const { responseName } = selection;
        const value = Object.hasOwn(input, responseName) ? input[responseName] : undefined;
        output[responseName] = update(output[responseName], selection.type, value ?? null, selection.selections, variables);
      } else if (selection.kind === 'typename') {
        const { responseName } = selection;
        if (output[responseName] !== undefined) continue;
        let value = Object.hasOwn(input, responseName) ? (input[responseName] ?? null) : null;
        if (value === null && responseName !== typenameFieldName) value = input[typenameFieldName] ?? null;
        const name = objectTypeName(typeof value === 'string' ? value : null, parentType);
        if (name === null) throw GIVE_UP;
        output[responseName] = name;
      } else {
        const typename = input[typenameFieldName];
        if (typename !== undefined && typename !== null && typeof typename !== 'string') throw GIVE_UP;
        if (selection.condition === undefined) {
          applySet(input, selection.selections, output, variables, parentType);
        } else if (selection.condition.applies(typename || undefined, parentType)) {
          applySet(input, selection.selections, output, variables, selection.condition.type);
        }
      }
    }
  }

  function update(existing: unknown, step: TypeStep, value: unknown, selections: CompiledSet | undefined, variables: Variables): unknown {
    if (existing === null || (existing !== undefined && !selections)) return existing;
    if (step.kind === 'nonNull') {
      const updated = update(existing, step.of, value, selections, variables);
      if (updated === null) throw GIVE_UP;
      return updated;
    }
    if (value === null) return null;
    switch (step.kind) {
      case 'list': {
        if (!Array.isArray(value)) throw GIVE_UP;
        if (existing !== undefined && (!Array.isArray(existing) || existing.length !== value.length)) throw GIVE_UP;
        const list = existing as unknown[] | undefined;
        const updated = new Array<unknown>(value.length);
        for (let index = 0; index < value.length; index++) {
          const element: unknown = value[index];
          if (element === undefined) throw GIVE_UP;
          updated[index] = update(list?.[index], step.of, element, selections, variables);
        }
        return updated;
      }
      case 'composite': {
        if (!selections || typeof value !== 'object') throw GIVE_UP;
        if (existing !== undefined && typeof existing !== 'object') throw GIVE_UP;
        const input = value as Output;
        const typename = input[typenameFieldName];
        let type: CompositeType = step.type;
        if (typename !== undefined) {
          if (typeof typename !== 'string') throw GIVE_UP;
          if (typename) {
            const found = compositeType(typename);
            if (found === null) throw GIVE_UP;
            type = found;
          }
        }
        const output = (existing as Output | undefined) ?? emptyRecord();
        applySet(input, selections, output, variables, type);
        return output;
      }
      case 'leaf':
        if (existing !== undefined || !step.valid(value)) throw GIVE_UP;
        return value;
    }
  }

  return {
    shape(input, variables) {
      const effective: Variables = defaultedVariables ? { __proto__: null, ...defaultedVariables, ...variables } : EMPTY;
      const data = emptyRecord();
      try {
        applySet(input, root, data, effective, rootType);
      } catch (error) {
        if (error === GIVE_UP) return undefined;
        throw error;
      }
      return { data };
    },
  };
}

const EMPTY: Variables = Object.freeze(Object.create(null) as Variables);

/** `if:` of @skip/@include: a literal, or a variable that must hold a boolean (else Apollo's shaping asserts). */
function conditionOf(directive: Directive<never>): (variables: Variables) => boolean {
  const condition = (directive.arguments() as { if?: unknown }).if;
  if (typeof condition === 'boolean') return () => condition;
  const name = (condition as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string')
    return () => {
      throw GIVE_UP;
    };
  return (variables) => {
    const value = variables[name];
    if (typeof value !== 'boolean') throw GIVE_UP;
    return value;
  };
}

/** isValidLeafValue for one type, with its common cases answered without the schema lookups. */
function leafValidator(schema: Schema, type: NamedType): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (isEnumType(type)) {
    const names = new Set(type.values.map((value) => value.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  if (type === schema.stringType())
    return (value) => typeof value === 'string' || isValidLeafValue(schema, value, type as Parameters<typeof isValidLeafValue>[2]);
  if (type === schema.booleanType()) return (value) => typeof value === 'boolean';
  if (type === schema.intType() || type === schema.idType()) {
    return (value) =>
      typeof value === 'number'
        ? Number.isFinite(value) && INTEGER.test(String(value))
        : isValidLeafValue(schema, value, type as Parameters<typeof isValidLeafValue>[2]);
  }
  return (value) => isValidLeafValue(schema, value, type as Parameters<typeof isValidLeafValue>[2]);
}
