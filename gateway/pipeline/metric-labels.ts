/**
 * Label values the gateway's metrics take from what clients and subgraphs send, kept bounded.
 *
 * `operation`: clients name their operations freely, so a label per name would let anyone grow
 * every series without bound. Each process labels a fixed budget of distinct names (first come,
 * first labelled), unnamed operations are `anonymous`, and every name past the budget is `other`.
 * One budget for the whole process, because the registry is the whole process's: the public and
 * partner endpoints' metrics draw on it alike.
 *
 * `code`: an error's `extensions.code`, which a subgraph could fill with anything; bounded too.
 */

/** The budget when none is configured (GATEWAY_METRICS_OPERATION_NAMES). */
export const DEFAULT_OPERATION_LABELS = 100;
export const ANONYMOUS_OPERATION = 'anonymous';
export const OTHER_OPERATIONS = 'other';

export class OperationLabels {
  private readonly labelled = new Set<string>();

  constructor(private budget: number = DEFAULT_OPERATION_LABELS) {}

  /** A smaller budget keeps the names labelled already and labels no new one until the count is under it. */
  setBudget(budget: number): void {
    this.budget = budget;
  }

  label(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (this.labelled.has(name)) return name;
    if (this.labelled.size >= this.budget) return OTHER_OPERATIONS;
    this.labelled.add(name);
    return name;
  }

  /** Distinct names labelled so far. */
  get size(): number {
    return this.labelled.size;
  }
}

/** The process's labels (set its budget from the configuration when a gateway starts). */
export const operationLabels = new OperationLabels();

/** The `code` label of an error with no `extensions.code` (a bare GraphQLError from a subgraph). */
export const NO_CODE = 'NONE';
/** Codes look like this (ErrorCode's, Apollo's); anything else a subgraph sends is counted as OTHER_CODES. */
const CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Distinct codes labelled per process; far above the platform's vocabulary plus Apollo's. */
const MAX_CODES = 64;
export const OTHER_CODES = 'OTHER';
const codes = new Set<string>();

/** The `code` label of one GraphQL error: its `extensions.code` when it has that shape and the budget allows. */
export function errorCodeLabel(error: { readonly extensions?: { readonly [key: string]: unknown } }): string {
  const code = error.extensions?.code;
  if (code === undefined || code === null) return NO_CODE;
  if (typeof code !== 'string' || !CODE_SHAPE.test(code)) return OTHER_CODES;
  if (codes.has(code)) return code;
  if (codes.size >= MAX_CODES) return OTHER_CODES;
  codes.add(code);
  return code;
}
