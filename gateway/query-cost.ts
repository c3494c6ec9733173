/**
 * The cost model of one operation: what a page of results multiplies. A field costs 1 plus what it
 * selects; a field with `first`/`last` (a connection page, a top-K list such as `similar`) costs that
 * many times as much; a list without a size argument counts as 10 items; the `edges` of a connection
 * are the page itself, already counted at the connection field. Introspection is priced by the size
 * of the schema, not by data, so its lists are not multiplied. graphql-query-complexity walks the
 * operation; this module only says what each field costs.
 */
import {
  getNamedType,
  getNullableType,
  isIntrospectionType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/** Items a list without a size argument is assumed to hold. */
export const UNSIZED_LIST = 10;
/** A connection's page when `first`/`last` is not given: subgraphs/kit/pagination.ts's DEFAULT_PAGE_SIZE (the gateway imports no subgraph code). */
export const DEFAULT_PAGE_SIZE = 20;
/**
 * Fragment spreads one operation may expand, every path counted. A 1,000-token document can
 * spread a fragment that spreads another twice, and so on a hundred times: 2^100 expansions for
 * any walk that follows fragments (the cost walk does). Counting them first is linear.
 */
export const MAX_FRAGMENT_SPREADS = 2000;

const isConnection = (type: GraphQLNamedType): boolean => {
  if (!isObjectType(type)) return false;
  const fields = type.getFields();
  return 'edges' in fields && 'pageInfo' in fields;
};

/** How many items one occurrence of `field` (on `parent`) stands for. */
function sizeOf(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  const requested = args.first ?? args.last;
  if (typeof requested === 'number') return Math.max(1, requested);
  if (isConnection(getNamedType(field.type))) return DEFAULT_PAGE_SIZE;
  if (isListType(getNullableType(field.type))) return isConnection(parent) ? 1 : UNSIZED_LIST;
  return 1;
}

export const listSizeEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  const own = 1 + childComplexity;
  if (isIntrospectionType(type) || field.name.startsWith('__')) return own;
  return own * sizeOf(type, field, args);
};

/** graphql-query-complexity's error when its walk visits more selections than allowed. */
const WALK_CAP_MESSAGE = 'Query exceeds the maximum allowed number of nodes.';

export type CostResult =
  /** The operation's cost. */
  | { kind: 'cost'; cost: number }
  /** The walk visited more than `maxNodes` selections before finishing: over any sensible limit. */
  | { kind: 'too-large' }
  /** Variables or arguments do not fit the schema: execution reports that to the client. */
  | { kind: 'invalid'; error: Error };

/**
 * The cost of the operation `operationName` (or the document's only one). Call it on a validated
 * document whose fragment expansion is bounded (fragmentSpreadExpansions): the walk follows every
 * fragment spread. `maxNodes` stops the walk; every field visited costs at least 1, so a walk that
 * long has a cost at least that high.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  options: { operationName?: string; variables?: Record<string, unknown>; maxNodes: number },
): CostResult {
  try {
    const cost = getComplexity({
      schema,
      query: document,
      operationName: options.operationName,
      variables: options.variables ?? {},
      estimators: [listSizeEstimator],
      maxQueryNodes: options.maxNodes,
    });
    return { kind: 'cost', cost };
  } catch (error) {
    if (error instanceof Error && error.message === WALK_CAP_MESSAGE) return { kind: 'too-large' };
    // A walk nested too deeply for the stack is not one to execute either.
    if (error instanceof RangeError) return { kind: 'too-large' };
    return { kind: 'invalid', error: error as Error };
  }
}

/** Costs remembered per distinct operation name, variables and walk bound of one document. */
const COSTS_PER_DOCUMENT = 64;

/**
 * operationCost with memory. Apollo Server hands every request with the same text the same cached
 * document object, so costs are remembered per document (weakly: they go when Apollo drops the
 * document) and per operation name, variables and `maxNodes`: a repeated operation costs a map
 * lookup, not a walk. One instance serves one schema.
 */
export class OperationCosts {
  private readonly costs = new WeakMap<DocumentNode, Map<string, CostResult>>();

  of(
    schema: GraphQLSchema,
    document: DocumentNode,
    options: { operationName?: string; variables?: Record<string, unknown>; maxNodes: number },
  ): CostResult {
    const key = JSON.stringify([options.operationName ?? null, options.variables ?? null, options.maxNodes]);
    let known = this.costs.get(document);
    if (!known) this.costs.set(document, (known = new Map()));
    const seen = known.get(key);
    if (seen) return seen;
    const result = operationCost(schema, document, options);
    if (known.size >= COSTS_PER_DOCUMENT) known.clear();
    known.set(key, result);
    return result;
  }
}

/** Fragment names spread anywhere in a selection set, once per spread (no recursion: an explicit stack). */
function spreadsIn(selectionSet: SelectionSetNode): string[] {
  const names: string[] = [];
  const pending = [selectionSet];
  for (let set = pending.pop(); set; set = pending.pop()) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) pending.push(selection.selectionSet);
    }
  }
  return names;
}

/**
 * For each operation, how many fragment spreads a walk of it expands, every path counted, capped at
 * `cap + 1` ("more than cap"). Each fragment is counted once and remembered, iteratively, so the
 * work is linear in the document and no chain of fragments can overflow the stack. Cycles and
 * unknown fragments count their spread only: graphql's own rules report them.
 */
export function fragmentSpreadExpansions(document: DocumentNode, cap = MAX_FRAGMENT_SPREADS): Map<OperationDefinitionNode, number> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const add = (a: number, b: number) => Math.min(cap + 1, a + b);
  const expanded = new Map<string, number>();
  const active = new Set<string>();

  const expansionsOf = (root: string): number => {
    const known = expanded.get(root);
    if (known !== undefined) return known;
    const stack = [{ name: root, spreads: spreadsIn(fragments.get(root)!.selectionSet), next: 0, sum: 0 }];
    active.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.spreads.length) {
        const name = top.spreads[top.next];
        const done = expanded.get(name);
        if (done !== undefined || active.has(name) || !fragments.has(name)) {
          top.sum = add(top.sum, 1 + (done ?? 0));
          top.next++;
        } else {
          active.add(name);
          stack.push({ name, spreads: spreadsIn(fragments.get(name)!.selectionSet), next: 0, sum: 0 });
        }
      } else {
        stack.pop();
        active.delete(top.name);
        expanded.set(top.name, top.sum);
        const parent = stack[stack.length - 1];
        if (parent) {
          parent.sum = add(parent.sum, 1 + top.sum);
          parent.next++;
        }
      }
    }
    return expanded.get(root)!;
  };

  const result = new Map<OperationDefinitionNode, number>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    let sum = 0;
    for (const name of spreadsIn(definition.selectionSet)) {
      sum = add(sum, 1 + (fragments.has(name) ? expansionsOf(name) : 0));
    }
    result.set(definition, sum);
  }
  return result;
}
