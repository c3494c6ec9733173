/**
 * Limits on one operation at the gateway, checked before anything executes, over HTTP and
 * WebSocket alike: tokens while parsing (graphql's maxTokens: a huge document is refused before it
 * is fully parsed), then depth, aliases and directives (graphql-armor's validation rules), fragment
 * expansion, and last the cost (gateway/plugins/operation/query-limits/cost.ts, which needs the request's variables).
 * A refusal is a GraphQL error with code LIMIT_EXCEEDED, HTTP 400 (a malformed request, not a
 * rate limit), naming the limit and the value.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { QueryLimitsConfig } from '../../../../platform/config';
import { ErrorCode } from '../../../../platform/errors';
import { queryLimitRejections } from '../../../../platform/metrics';
import { fragmentSpreadExpansions, MAX_FRAGMENT_SPREADS, operationCost, OperationCosts } from './cost';

export type QueryLimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'fragments' | 'cost';

const NAMES: Record<QueryLimitName, string> = {
  tokens: 'token count',
  depth: 'depth',
  aliases: 'alias count',
  directives: 'directive count',
  fragments: 'fragment spread count',
  cost: 'cost',
};

/** Where the value is known: "Query depth 50 exceeds the limit of 15". */
const messageOf = (limit: QueryLimitName, max: number, value?: number): string => {
  if (limit === 'tokens') return `Query token count exceeds the limit of ${max} (parsing stopped at token ${max + 1})`;
  if (limit === 'fragments') return `Query fragment spread count exceeds the limit of ${max} (every spread counted where it is expanded)`;
  return `Query ${NAMES[limit]}${value === undefined ? '' : ` ${value}`} exceeds the limit of ${max}`;
};

/** The error a client sees for an operation over a limit; counted in gateway_query_limit_rejections_total. */
export function queryLimitExceeded(limit: QueryLimitName, max: number, value?: number): GraphQLError {
  queryLimitRejections.inc({ limit });
  return new GraphQLError(messageOf(limit, max, value), {
    extensions: { code: ErrorCode.LIMIT_EXCEEDED, queryLimit: limit, limit: max, ...(value === undefined ? {} : { value }) },
  });
}

/** graphql's own error when parsing stops at maxTokens ("more that" is its spelling in 16.x). */
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more th[ae][nt] (\d+) tokens/;

export const parseOptions = (limits: QueryLimitsConfig): ParseOptions => (limits.enabled ? { maxTokens: limits.tokens } : {});

/** graphql-armor reports "… limit of N exceeded, found M."; the value M is what the client needs to hear. */
const foundIn = (error: GraphQLError): number | undefined => {
  const match = /found (\d+)/.exec(error.message);
  return match ? Number(match[1]) : undefined;
};

function fragmentSpreadsRule(context: ValidationContext) {
  return {
    Document: {
      enter(document: DocumentNode) {
        for (const expansions of fragmentSpreadExpansions(document).values()) {
          if (expansions > MAX_FRAGMENT_SPREADS) {
            context.reportError(queryLimitExceeded('fragments', MAX_FRAGMENT_SPREADS));
            return;
          }
        }
      },
    },
  };
}

/** Validation rules for the structural limits; they report instead of throwing (graphql-armor's default throws). */
export function limitRules(limits: QueryLimitsConfig): ValidationRule[] {
  if (!limits.enabled) return [];
  const armor = (limit: QueryLimitName, max: number) => ({
    n: max,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => context?.reportError(queryLimitExceeded(limit, max, foundIn(error))),
    ],
  });
  return [
    fragmentSpreadsRule,
    // Fragments flattened: depth is the nesting of fields, whether or not a client uses fragments.
    maxDepthRule({ ...armor('depth', limits.depth), ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule(armor('aliases', limits.aliases)),
    maxDirectivesRule(armor('directives', limits.directives)),
  ];
}

/** What the cost check found: the operation's cost where the walk finished, and the error when it is over the limit. */
export interface CostVerdict {
  cost?: number;
  error?: GraphQLError;
}

/**
 * The cost check, for a document that passed validation (so its fragment expansion is bounded).
 * No error when within the limit, or when the variables do not fit: execution reports those.
 * With `costs`, the walk's result is remembered (OperationCosts).
 */
export function costVerdict(
  limits: QueryLimitsConfig,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
  costs?: OperationCosts,
): CostVerdict {
  if (!limits.enabled) return {};
  // Every field visited costs at least 1, so a walk longer than this is over the limit whatever else it finds.
  const options = { operationName, variables, maxNodes: limits.cost + limits.tokens + MAX_FRAGMENT_SPREADS, listSize: limits.listSize };
  const result = costs ? costs.of(schema, document, options) : operationCost(schema, document, options);
  if (result.kind === 'too-large') return { error: queryLimitExceeded('cost', limits.cost) };
  if (result.kind === 'cost' && result.cost > limits.cost)
    return { cost: result.cost, error: queryLimitExceeded('cost', limits.cost, result.cost) };
  return result.kind === 'cost' ? { cost: result.cost } : {};
}

/** costVerdict's error alone. */
export const costError = (...args: Parameters<typeof costVerdict>): GraphQLError | undefined => costVerdict(...args).error;

/** The cost check with memory: a repeated operation's cost is a map lookup, not a walk (OperationCosts). */
export class CostCheck {
  private readonly costs: OperationCosts;

  constructor(private readonly limits: QueryLimitsConfig) {
    this.costs = new OperationCosts({ maxBytes: limits.costMemoBytes, name: 'limits' });
  }

  /** Bytes the remembered verdicts are counted for (bounded by limits.costMemoBytes). */
  get memoBytes(): number {
    return this.costs.bytes;
  }

  check(
    schema: GraphQLSchema,
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown> | undefined,
  ): CostVerdict {
    return costVerdict(this.limits, schema, document, operationName, variables, this.costs);
  }
}

/**
 * Apollo Server wraps parse and validation errors in its own codes (GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED, both HTTP 400): give limit errors their code back, and name the
 * token limit where graphql stopped parsing.
 */
export function formatQueryLimitErrors(limits: QueryLimitsConfig) {
  return (formatted: GraphQLFormattedError): GraphQLFormattedError => {
    if (formatted.extensions?.queryLimit !== undefined) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.LIMIT_EXCEEDED } };
    }
    if (limits.enabled && formatted.extensions?.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(formatted.message)) {
      const error = queryLimitExceeded('tokens', limits.tokens);
      return { message: error.message, locations: formatted.locations, extensions: error.extensions };
    }
    return formatted;
  };
}

/**
 * Every check on one operation sent over WebSocket, where Apollo Server's pipeline does not run:
 * parse (token limit), graphql's rules plus the limit rules, then the cost. Never throws: a bad
 * operation gets its errors, and the socket and its other operations carry on.
 */
export function checkOperation(
  limits: QueryLimitsConfig,
  schema: GraphQLSchema,
  request: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
): { document: DocumentNode } | { errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(request.query, parseOptions(limits));
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { errors: [TOKEN_LIMIT_MESSAGE.test(error.message) ? queryLimitExceeded('tokens', limits.tokens) : error] };
  }
  let errors: readonly GraphQLError[];
  try {
    errors = validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
  } catch (error) {
    // With the limits off, graphql's validation can overflow the stack on a long chain of fragments.
    if (!(error instanceof RangeError)) throw error;
    return {
      errors: [new GraphQLError('The query is nested too deeply to validate', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })],
    };
  }
  if (errors.length > 0) return { errors: [...errors] };
  const cost = costError(limits, schema, document, request.operationName ?? undefined, request.variables ?? undefined);
  return cost ? { errors: [cost] } : { document };
}
