/**
 * Operations whose whole query plan is one fetch from one subgraph (a catalogue page, a product, a
 * search) are answered with that subgraph's data as it arrives. Apollo's executor would copy the
 * answer into a fresh result field by field and then walk it again against the client's operation
 * (result shaping): with no other fetch to merge and nothing the planner added to strip, that work
 * gives back the same data, and profiles put it at about a sixth of such a request's gateway CPU.
 *
 * Only plans that provably need no shaping take this path: a query, one root fetch with no
 * `@requires`, no rewrites, no `__typename` the planner may have added (abstract types) and no
 * introspection or root `__typename` (answered by the gateway, not the subgraph), over a supergraph
 * whose API hides no enum value. Everything else, and every answer that carries errors, goes
 * through Apollo's executor as before; an answer with errors is replayed into it, never fetched twice.
 */
import {
  buildOperationContext,
  executeQueryPlan,
  type ApolloGateway,
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
  type ServiceMap,
} from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';
import { registry } from '../platform/metrics';
import {
  isEnumType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { FederatedPlanner } from './subscriptions/planner';

type Executor = NonNullable<Awaited<ReturnType<ApolloGateway['load']>>['executor']>;
type RequestContext = Parameters<Executor>[0];
type GatewayLike = Pick<ApolloGateway, 'load' | 'onSchemaLoadOrUpdate' | 'stop'>;

/** Distinct operations whose verdict is remembered (the plan store of Apollo's gateway is of this order). */
const REMEMBERED_OPERATIONS = 1_000;
/** Apollo's GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported from the package's entry point). */
const INCOMING_OPERATION = 'incoming operation' as GraphQLDataSourceProcessOptions['kind'];

const singleFetchOperations = new Counter({
  name: 'gateway_single_fetch_operations_total',
  help: "Operations whose plan is one fetch, by outcome: answered with the subgraph's data as is (direct), or shaped by Apollo's executor because the answer carried errors (shaped)",
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export interface SingleFetchOptions {
  planner: FederatedPlanner;
  dataSources: ServiceMap;
}

/** Apollo's gateway with its executor answering single-fetch operations directly (see above). */
export function withSingleFetchAnswers(gateway: ApolloGateway, options: SingleFetchOptions): GatewayLike {
  const hidesEnumValues = apiHidesEnumValues(options.planner);
  return {
    async load(loadOptions) {
      const loaded = await gateway.load(loadOptions);
      return hidesEnumValues ? loaded : { ...loaded, executor: singleFetchExecutor(loaded.executor, options) };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}

function singleFetchExecutor(apolloExecutor: Executor, { planner, dataSources }: SingleFetchOptions): Executor {
  // `{ plan: null }`: the operation needs Apollo's executor (lru-cache keeps no null values).
  const verdicts = new LRUCache<string, { plan: QueryPlan; fetch: FetchNode } | { plan: null }>({ max: REMEMBERED_OPERATIONS });
  const verdictOf = (requestContext: RequestContext) => {
    const key = `${requestContext.operationName ?? ''}\u0000${requestContext.queryHash}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = { plan: null };
      if (requestContext.operation.operation === 'query' && !asksTheGatewayItself(requestContext.operation.selectionSet)) {
        const plan = planOf(planner, requestContext);
        const fetch = plan?.node?.kind === 'Fetch' ? plan.node : undefined;
        if (plan && fetch && needsNoShaping(fetch) && sameShape(requestContext, fetch)) verdict = { plan, fetch };
      }
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  return async (requestContext) => {
    const verdict = requestContext.metrics.captureTraces ? { plan: null } : verdictOf(requestContext);
    if (!verdict.plan) return apolloExecutor(requestContext);
    const { plan, fetch } = verdict;
    const source = dataSources[fetch.serviceName];
    if (!source) return apolloExecutor(requestContext);
    const response = await source.process({
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables: variablesOf(fetch, requestContext), operationName: fetch.operationName },
      incomingRequestContext: requestContext,
      context: requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: [],
    });
    if (!response.errors && response.data) {
      singleFetchOperations.inc({ outcome: 'direct' });
      return { data: response.data };
    }
    singleFetchOperations.inc({ outcome: 'shaped' });
    // Errors (or no data): Apollo's executor shapes them, from this very answer.
    const replay: GraphQLDataSource = { process: async () => response };
    return executeQueryPlan(
      plan,
      { ...dataSources, [fetch.serviceName]: replay },
      requestContext,
      buildOperationContext({
        schema: planner.apiGraphQLSchema,
        operationDocument: requestContext.document,
        operationName: requestContext.operationName ?? undefined,
      }),
      planner.supergraphSchema,
      planner.apiSchema,
    );
  };
}

/** The operation's plan; none when it cannot be planned here (Apollo's executor then answers as it would). */
function planOf(planner: FederatedPlanner, requestContext: RequestContext): QueryPlan | undefined {
  try {
    return planner.plan(requestContext.document, requestContext.operationName);
  } catch {
    return undefined;
  }
}

/** The variables the fetch uses, as Apollo's executor picks them. */
function variablesOf(fetch: FetchNode, requestContext: RequestContext): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const given = requestContext.request.variables;
  for (const name of fetch.variableUsages ?? []) {
    if (given && Object.hasOwn(given, name) && given[name] !== undefined) variables[name] = given[name];
  }
  return variables;
}

function needsNoShaping(fetch: FetchNode): boolean {
  return (
    !fetch.requires &&
    !fetch.inputRewrites?.length &&
    !fetch.outputRewrites?.length &&
    !fetch.contextRewrites?.length &&
    !fetch.hasDefers &&
    // The planner adds __typename where a type is abstract; shaping strips what the client did not ask for.
    !fetch.operation.includes('__typename')
  );
}

/**
 * Whether the subgraph's answer to the fetch has the client's fields in the client's order: the
 * planner may reorder a selection (conditional fields last), and GraphQL answers in query order.
 */
function sameShape(requestContext: RequestContext, fetch: FetchNode): boolean {
  const fetchDocument = fetch.operationDocumentNode ?? parse(fetch.operation);
  const fetchOperation = fetchDocument.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!fetchOperation) return false;
  const shape = (selectionSet: SelectionSetNode, document: DocumentNode) => shapeOf(selectionSet, fragmentsOf(document));
  return shape(requestContext.operation.selectionSet, requestContext.document) === shape(fetchOperation.selectionSet, fetchDocument);
}

const fragmentsOf = (document: DocumentNode) =>
  new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );

/**
 * The answer's keys in order, nested, as GraphQL collects fields (fragments inlined, a repeated key
 * at its first place), each with its @skip/@include conditions: two selections with the same shape
 * give answers with the same keys in the same order.
 */
function shapeOf(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): string {
  const fields = new Map<string, { conditions: string; children: SelectionSetNode[] }>();
  const collect = (set: SelectionSetNode, inherited: string) => {
    for (const selection of set.selections) {
      const conditions = inherited + (selection.directives ?? []).map((directive) => print(directive)).join('');
      if (selection.kind === Kind.FIELD) {
        const key = `${selection.alias?.value ?? selection.name.value}${conditions}`;
        const field = fields.get(key) ?? { conditions, children: [] };
        if (selection.selectionSet) field.children.push(selection.selectionSet);
        fields.set(key, field);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet, conditions);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet, conditions);
      }
    }
  };
  collect(selectionSet, '');
  return [...fields]
    .map(([key, { children }]) => (children.length === 0 ? key : `${key}{${children.map((child) => shapeOf(child, fragments)).join('')}}`))
    .join(',');
}

/** Root fields the gateway answers itself: introspection and the root __typename. */
function asksTheGatewayItself(selectionSet: SelectionSetNode): boolean {
  return selectionSet.selections.some((selection) =>
    selection.kind === 'Field'
      ? selection.name.value.startsWith('__')
      : selection.kind === 'InlineFragment'
        ? asksTheGatewayItself(selection.selectionSet)
        : // A named fragment at the root: not worth resolving here; Apollo's executor takes it.
          true,
  );
}

/** An enum value hidden from the API (@inaccessible) is nulled by shaping; a subgraph could send one. */
function apiHidesEnumValues(planner: FederatedPlanner): boolean {
  const api: GraphQLSchema = planner.apiGraphQLSchema;
  return Object.values(planner.supergraphSchema.getTypeMap()).some((type) => {
    if (!isEnumType(type) || type.name.startsWith('__')) return false;
    // An enum missing from the API altogether (join__Graph, link__Purpose) is reachable from no field of it.
    const exposed = api.getType(type.name);
    return isEnumType(exposed) && exposed.getValues().length !== type.getValues().length;
  });
}
