/**
 * Operations whose whole query plan is one fetch from one subgraph (a catalogue page, a product, a
 * search) are answered with that subgraph's data as it arrives. Apollo's executor would copy the
 * answer into a fresh result field by field and then walk it again against the client's operation
 * (result shaping): with no other fetch to merge and nothing the planner added to strip, that work
 * gives back the same data, and profiles showed it as a large share of such a request's gateway
 * CPU (docs/benchmarks.md).
 *
 * Only plans that provably need no shaping take this path: a query, one root fetch with no
 * `@requires`, no rewrites, no `__typename` the planner may have added (abstract types) and no
 * introspection or root `__typename` (answered by the gateway, not the subgraph), over a supergraph
 * whose API hides no enum value. Everything else, and every answer that carries errors, goes
 * through Apollo's executor as before; an answer with errors is replayed into it, never fetched twice.
 * The fetch goes through every onSubgraphFetch step like any other (claims, cache, outages).
 */
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import type { Tracer } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';
import { registry } from '../../../platform/metrics';
import { inRecordedTrace } from '../../../platform/telemetry';
import {
  isEnumType,
  Kind,
  parse,
  print,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { GatewayPlugin, PlanPhase } from '../../pipeline/plugin';
import type { FederatedPlanner } from '../../pipeline/planner';

/** Distinct operations whose verdict is remembered (the plan store of Apollo's gateway is of this order). */
const REMEMBERED_OPERATIONS = 1_000;

const singleFetchOperations = new Counter({
  name: 'gateway_single_fetch_operations_total',
  help: "Operations whose plan is one fetch, by outcome: answered with the subgraph's data as is (direct), or shaped by Apollo's executor because the answer carried errors (shaped)",
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/**
 * The plan step answering single-fetch operations directly (see above), for the gateway over
 * `planner`'s supergraph; with a tracer (tracing on), each such answer has a span.
 */
export function singleFetchPlugin(planner: FederatedPlanner, tracer?: Tracer): GatewayPlugin {
  const hidesEnumValues = apiHidesEnumValues(planner);
  // `{ plan: null }`: the operation needs Apollo's executor (lru-cache keeps no null values).
  const verdicts = new LRUCache<string, { plan: QueryPlan; fetch: FetchNode } | { plan: null }>({ max: REMEMBERED_OPERATIONS });
  const verdictOf = (operation: PlanPhase) => {
    const key = `${operation.operationName ?? ''}\u0000${operation.queryHash}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = { plan: null };
      if (operation.operation.operation === 'query' && !asksTheGatewayItself(operation.operation.selectionSet)) {
        const plan = planOf(planner, operation);
        const fetch = plan?.node?.kind === 'Fetch' ? plan.node : undefined;
        if (plan && fetch && needsNoShaping(fetch) && sameShape(operation, fetch)) verdict = { plan, fetch };
      }
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  const answer = async (
    operation: PlanPhase,
    { plan, fetch }: { plan: QueryPlan; fetch: FetchNode },
    next: () => Promise<ExecutionResult>,
  ) => {
    const request = { query: fetch.operation, variables: variablesOf(fetch, operation), operationName: fetch.operationName };
    const fetched = operation.fetch(fetch.serviceName, request, fetch.operationDocumentNode);
    if (!fetched) return next();
    const response = await fetched;
    if (!response.errors && response.data) {
      singleFetchOperations.inc({ outcome: 'direct' });
      return { data: response.data };
    }
    singleFetchOperations.inc({ outcome: 'shaped' });
    // Errors (or no data): Apollo's executor shapes them, from this very answer.
    return operation.executePlan(plan, { subgraph: fetch.serviceName, result: response });
  };

  return {
    name: 'single-fetch',
    async onPlan(operation, next) {
      if (hidesEnumValues) return next();
      const verdict = operation.tracing ? { plan: null } : verdictOf(operation);
      if (!verdict.plan) return next();
      if (!tracer || !inRecordedTrace()) return answer(operation, verdict, next);
      // Apollo's executor, skipped here, would have started gateway.request/plan/execute: this path's span stands for them.
      return tracer.startActiveSpan('gateway.single_fetch', async (span) => {
        try {
          return await answer(operation, verdict, next);
        } finally {
          span.end();
        }
      });
    },
  };
}

/** The operation's plan; none when it cannot be planned here (Apollo's executor then answers as it would). */
function planOf(planner: FederatedPlanner, operation: PlanPhase): QueryPlan | undefined {
  try {
    return planner.plan(operation.document, operation.operationName);
  } catch {
    return undefined;
  }
}

/** The variables the fetch uses, as Apollo's executor picks them. */
function variablesOf(fetch: FetchNode, operation: PlanPhase): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const given = operation.variables;
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
function sameShape(operation: PlanPhase, fetch: FetchNode): boolean {
  const fetchDocument = fetch.operationDocumentNode ?? parse(fetch.operation);
  const fetchOperation = fetchDocument.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (!fetchOperation) return false;
  const layout = (selectionSet: SelectionSetNode, document: DocumentNode) => responseKeyLayout(selectionSet, fragmentsOf(document));
  return layout(operation.operation.selectionSet, operation.document) === layout(fetchOperation.selectionSet, fetchDocument);
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
function responseKeyLayout(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>): string {
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
    .map(([key, { children }]) =>
      children.length === 0 ? key : `${key}{${children.map((child) => responseKeyLayout(child, fragments)).join('')}}`,
    )
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
