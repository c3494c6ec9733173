/**
 * The cost model of one operation: what a page of results multiplies. A field costs 1 plus what it
 * selects, times the number of items it stands for:
 * - a list the schema sizes with `@listSize` (gateway/pipeline/list-sizes.ts): the value of its
 *   largest slicing argument given, else its `assumedSize`;
 * - a field with `first`/`last` (a connection page, a top-K list such as `similar`): that many;
 * - a connection without one: the API's default page; its `edges` (or a `@listSize`'s `sizedFields`)
 *   are the page itself, already counted at the connection field;
 * - any other list: the configured size of an unsized list (GATEWAY_COST_LIST_SIZE), which the
 *   server's data decides and no client can raise. Its error compounds with every level of nesting
 *   (a list nested four deep counts size⁴ items), so it is set near the real fan-out of a
 *   relationship list, not far above it; a schema that knows a list is larger says so with `@listSize`.
 * Introspection is priced by the size of the schema, not by data, so its lists are not multiplied.
 * graphql-query-complexity walks the operation; this module only says what each field costs.
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
  type ValueNode,
  visit,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import { Gauge } from 'prom-client';
import { registry } from '../../../../platform/metrics';
import { declaredListSize, isSizedByParent, slicingArgumentNames } from '../../../pipeline/list-sizes';

/** The arguments that size a list by convention (sizeOf), and the directives whose condition drops a selection from the walk. */
const SIZE_ARGUMENTS = new Set(['first', 'last']);
const CONDITION_DIRECTIVES = new Set(['skip', 'include']);

/** The two memos of a gateway: the query limits' and the partner budget's. */
export type CostMemoName = 'limits' | 'partner';

const costMemoBytes = new Gauge({
  name: 'gateway_cost_memo_bytes',
  help: 'Bytes the remembered query cost verdicts are counted for, by memo (limits, partner); each is bounded by GATEWAY_COST_MEMO_BYTES',
  labelNames: ['memo'] as const,
  registers: [registry],
});

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

const largestNumber = (values: unknown[]): number | undefined => {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  return numbers.length > 0 ? Math.max(...numbers) : undefined;
};

/** How many items one occurrence of `field` (on `parent`) stands for; `listSize` for a list nothing sizes. */
function sizeOf(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>, listSize: number): number {
  // The memo keys on the variables that feed these arguments (costInputNames).
  const declared = declaredListSize(field);
  const sliced = declared?.slicingArguments && largestNumber(declared.slicingArguments.map((name) => args[name]));
  if (sliced !== undefined) return Math.max(1, sliced);
  if (declared?.assumedSize !== undefined) return Math.max(1, declared.assumedSize);
  if (isSizedByParent(field)) return 1;
  const requested = args.first ?? args.last;
  if (typeof requested === 'number') return Math.max(1, requested);
  if (isConnection(getNamedType(field.type))) return DEFAULT_PAGE_SIZE;
  if (isListType(getNullableType(field.type))) return isConnection(parent) ? 1 : listSize;
  // A page whose sized fields count once: with no size given, it holds what an unsized list does.
  if (declared?.sizedFields) return listSize;
  return 1;
}

/** The estimator for a gateway whose unsized lists count `listSize` items. */
export const listSizeEstimator =
  (listSize: number): ComplexityEstimator =>
  ({ type, field, args, childComplexity }) => {
    const own = 1 + childComplexity;
    if (isIntrospectionType(type) || field.name.startsWith('__')) return own;
    return own * sizeOf(type, field, args, listSize);
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

export interface CostOptions {
  operationName?: string;
  variables?: Record<string, unknown>;
  /** Selections the walk may visit before it stops (too-large). */
  maxNodes: number;
  /** Items an unsized list counts (QueryLimitsConfig.listSize). */
  listSize: number;
}

/**
 * The cost of the operation `operationName` (or the document's only one). Call it on a validated
 * document whose fragment expansion is bounded (fragmentSpreadExpansions): the walk follows every
 * fragment spread. `maxNodes` stops the walk; every field visited costs at least 1, so a walk that
 * long has a cost at least that high.
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, options: CostOptions): CostResult {
  try {
    const cost = getComplexity({
      schema,
      query: document,
      operationName: options.operationName,
      variables: options.variables ?? {},
      estimators: [listSizeEstimator(options.listSize)],
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

/** Bytes one remembered verdict is counted for beyond its key: the verdict object and the cache's own entry, generously. */
const ENTRY_BYTES = 200;

/**
 * The variables an operation's cost can depend on: those feeding a size argument (`first`/`last`,
 * or any argument a `@listSize` of the schema slices by) or a skip/include condition.
 */
function costInputNames(document: DocumentNode, slicing: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  const collect = (value: ValueNode) =>
    visit(value, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  visit(document, {
    Field(field) {
      for (const argument of field.arguments ?? []) {
        if (SIZE_ARGUMENTS.has(argument.name.value) || slicing.has(argument.name.value)) collect(argument.value);
      }
    },
    Directive(directive) {
      if (CONDITION_DIRECTIVES.has(directive.name.value)) for (const argument of directive.arguments ?? []) collect(argument.value);
    },
  });
  return names;
}

interface DocumentFacts {
  /** Stands for the document in memo keys, which must not hold the document itself. */
  id: number;
  /** Variables of the document in cost positions, whatever operation declares them. */
  costInputs: Set<string>;
  /** Per operation name ('' for an anonymous one): its declared variables in cost positions, in declaration order. */
  inputsOf: Map<string, string[]>;
}

/** A variable's value as a key part: only numbers, booleans and null (what sizes and conditions take) are remembered. */
function keyPart(variables: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!variables || !Object.hasOwn(variables, name)) return '-';
  const value = variables[name];
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * operationCost with memory. Apollo Server hands every request with the same text the same cached
 * document object, so verdicts are remembered per document, operation name, walk bound, unsized
 * list size and the values of the declared variables the cost can depend on (those in `first`/`last`
 * or a `@listSize` slicing argument, and in skip/include conditions) — never the rest of a request's variables, declared or not, which an
 * anonymous client can make as large as the body limit. The memory is an LRU bounded in bytes
 * (keys and verdicts counted); documents are held weakly. A verdict that the variables do not fit
 * is never remembered: it may come from a variable outside the key. So a request whose other
 * variables are wrong may get the cost verdict its sizes earned (execution reports the variables
 * when that verdict lets it run). One instance serves one schema.
 */
export class OperationCosts {
  private readonly documents = new WeakMap<DocumentNode, DocumentFacts>();
  private readonly verdicts: LRUCache<string, CostResult>;
  private nextId = 0;

  constructor(private readonly options: { maxBytes: number; name: CostMemoName }) {
    this.verdicts = new LRUCache({ maxSize: options.maxBytes, sizeCalculation: (_verdict, key) => 2 * key.length + ENTRY_BYTES });
  }

  /** Bytes the remembered verdicts are counted for now (at most maxBytes). */
  get bytes(): number {
    return this.verdicts.calculatedSize;
  }

  of(schema: GraphQLSchema, document: DocumentNode, options: CostOptions): CostResult {
    const key = this.keyOf(schema, document, options);
    const seen = key === undefined ? undefined : this.verdicts.get(key);
    if (seen) return seen;
    const result = operationCost(schema, document, options);
    if (key !== undefined && result.kind !== 'invalid') {
      this.verdicts.set(key, result);
      costMemoBytes.set({ memo: this.options.name }, this.verdicts.calculatedSize);
    }
    return result;
  }

  /** The memo key, or undefined when this request's verdict is not to be remembered. */
  private keyOf(schema: GraphQLSchema, document: DocumentNode, options: CostOptions) {
    let facts = this.documents.get(document);
    if (!facts) {
      const costInputs = costInputNames(document, slicingArgumentNames(schema));
      this.documents.set(document, (facts = { id: this.nextId++, costInputs, inputsOf: new Map() }));
    }
    const operation = options.operationName ?? '';
    let inputs = facts.inputsOf.get(operation);
    if (!inputs) {
      const definition = operationNamed(document, options.operationName);
      // Unknown names are not remembered per document: a client could send endless ones.
      if (!definition) return undefined;
      inputs = (definition.variableDefinitions ?? []).map((v) => v.variable.name.value).filter((name) => facts.costInputs.has(name));
      facts.inputsOf.set(operation, inputs);
    }
    let key = `${facts.id}|${options.maxNodes}|${options.listSize}|${operation}`;
    for (const name of inputs) {
      const part = keyPart(options.variables, name);
      if (part === undefined) return undefined;
      key += `|${part}`;
    }
    return key;
  }
}

/** The operation graphql-query-complexity walks: the one named, or the document's only one. */
function operationNamed(document: DocumentNode, name: string | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (name === undefined) return operations.length === 1 ? operations[0] : undefined;
  return operations.find((operation) => operation.name?.value === name);
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
