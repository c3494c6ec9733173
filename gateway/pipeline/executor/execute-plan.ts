/**
 * The project's executor for @apollo/gateway's query plans: Apollo's executeQueryPlan
 * (@apollo/gateway 2.14.4, dist/executeQueryPlan.js) step for step, so that what is fetched, in
 * which order, with which bodies, and how answers merge and errors map stays Apollo's, with four
 * costs per request left out:
 * - the operation model (operationFromDocument) is built once per operation, not per request;
 * - result shaping is compiled per operation (./shape-response.ts), Apollo's kept for answers with errors;
 * - no usage-reporting protobuf node per plan node (built by Apollo even when nothing reports);
 * - no `gateway.fetch` span per fetch (the telemetry SDK drops it anyway: the fetch's client span
 *   stands for it). `gateway.execute` and `gateway.postprocessing` remain, from Apollo's tracer.
 * Plans or requests it does not cover go to Apollo's own executor unchanged: Apollo usage traces
 * (captureTraces), @defer, subscriptions, introspection fields, an operation Apollo's model refuses.
 * test/plan-executor.test.ts holds its answers against Apollo's, byte for byte.
 */
import { ERRORS, errorCodeDef, operationFromDocument, type Operation, type Schema } from '@apollo/federation-internals';
import type { GraphQLDataSourceProcessOptions, ServiceMap } from '@apollo/gateway';
import { applyRewrites, isObjectOfType } from '@apollo/gateway/dist/dataRewrites';
import * as apolloExecution from '@apollo/gateway/dist/executeQueryPlan';
import { computeResponse } from '@apollo/gateway/dist/resultShaping';
import { OpenTelemetrySpanNames, recordExceptions, tracer } from '@apollo/gateway/dist/utilities/opentelemetry';
import { evaluateCondition, type FetchNode, type PlanNode, type QueryPlan, type QueryPlanSelectionNode } from '@apollo/query-planner';
import { SpanStatusCode } from '@opentelemetry/api';
import { GraphQLError, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { emptyRecord } from './records';
import { compileShaper, type Shaper } from './shape-response';

type ApolloExecute = typeof apolloExecution.executeQueryPlan;
/** Apollo's own, taken before installPlanExecutor puts this module's in its place. */
const apolloExecuteQueryPlan: ApolloExecute = apolloExecution.executeQueryPlan;
const { generateHydratedPaths } = apolloExecution;
type RequestContext = Parameters<ApolloExecute>[2];
type OperationContext = Parameters<ApolloExecute>[3];
type TelemetryConfig = Parameters<ApolloExecute>[6];
type ExecutionResult = Awaited<ReturnType<ApolloExecute>>;
type ResultMap = Record<string, unknown>;
type ResponsePath = (string | number)[];

interface Cursor {
  path: ResponsePath;
  data: ResultMap | ResultMap[];
  fullResult: ResultMap;
}

interface ExecutionContext {
  serviceMap: ServiceMap;
  requestContext: RequestContext;
  supergraphSchema: GraphQLSchema;
  operation: Operation;
  errors: GraphQLError[];
}

/** An operation as this executor runs it: Apollo's model of it, and its compiled shaping. */
interface CompiledOperation {
  operation: Operation;
  shaper: Shaper;
}

/** By API schema (a new supergraph brings a new one), then by the parsed operation (Apollo Server keeps one per query text). */
const compiled = new WeakMap<Schema, WeakMap<OperationDefinitionNode, CompiledOperation | null>>();

function compiledOperation(apiSchema: Schema, operationContext: OperationContext): CompiledOperation | null {
  let byDefinition = compiled.get(apiSchema);
  if (!byDefinition) {
    byDefinition = new WeakMap();
    compiled.set(apiSchema, byDefinition);
  }
  let entry = byDefinition.get(operationContext.operation);
  if (entry === undefined) {
    entry = null;
    try {
      const operation = operationFromDocument(
        apiSchema,
        { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] },
        { validate: false },
      );
      const shaper = compileShaper(operation);
      if (shaper) entry = { operation, shaper };
    } catch {
      // Apollo's executor answers it, with the error it reports.
    }
    // Fragments come from the same document as the operation: one entry per definition holds.
    byDefinition.set(operationContext.operation, entry);
  }
  return entry;
}

const covered = new WeakMap<QueryPlan, boolean>();

/** Whether every node of the plan is one this executor runs (Apollo's own refuses @defer and subscriptions too, with errors of its own). */
function planCovered(plan: QueryPlan): boolean {
  let answer = covered.get(plan);
  if (answer === undefined) {
    const walk = (node: PlanNode): boolean => {
      switch (node.kind) {
        case 'Sequence':
        case 'Parallel':
          return node.nodes.every(walk);
        case 'Flatten':
          return walk(node.node);
        case 'Fetch':
          return true;
        case 'Condition':
          return (!node.ifClause || walk(node.ifClause)) && (!node.elseClause || walk(node.elseClause));
        default:
          return false;
      }
    };
    answer = !plan.node || walk(plan.node as PlanNode);
    covered.set(plan, answer);
  }
  return answer;
}

/** The data sources whose plans this executor runs: the project's (SubgraphSource registers each). */
const servedSources = new WeakSet<object>();

export function runPlansFor(source: object): void {
  servedSources.add(source);
}

let installed = false;

/**
 * Puts this executor where @apollo/gateway calls its own (its gateway's executor and the package's
 * exported executeQueryPlan read the module's export at each call). Plans over other data sources
 * (plain Apollo in the same process: the benchmarks, the byte-for-byte tests) still run on Apollo's.
 */
export function installPlanExecutor(): void {
  if (installed) return;
  installed = true;
  (apolloExecution as { executeQueryPlan: ApolloExecute }).executeQueryPlan = executeQueryPlan;
}

const servesProject = (serviceMap: ServiceMap): boolean => {
  for (const name in serviceMap) if (servedSources.has(serviceMap[name]!)) return true;
  return false;
};

/** executeQueryPlan's signature and answers; see the module's comment for what differs. */
export async function executeQueryPlan(
  queryPlan: QueryPlan,
  serviceMap: ServiceMap,
  requestContext: RequestContext,
  operationContext: OperationContext,
  supergraphSchema: GraphQLSchema,
  apiSchema: Schema,
  telemetryConfig?: TelemetryConfig,
): Promise<ExecutionResult> {
  const operation =
    requestContext.metrics?.captureTraces || !servesProject(serviceMap) ? null : compiledOperation(apiSchema, operationContext);
  if (!operation || !planCovered(queryPlan)) {
    return apolloExecuteQueryPlan(queryPlan, serviceMap, requestContext, operationContext, supergraphSchema, apiSchema, telemetryConfig);
  }
  return tracer.startActiveSpan(OpenTelemetrySpanNames.EXECUTE, async (span) => {
    try {
      const context: ExecutionContext = { serviceMap, requestContext, supergraphSchema, operation: operation.operation, errors: [] };
      const unfilteredData = emptyRecord();
      if (queryPlan.node)
        await executeNode(context, queryPlan.node as PlanNode, { path: [], data: unfilteredData, fullResult: unfilteredData });
      const result = tracer.startActiveSpan(OpenTelemetrySpanNames.POST_PROCESSING, (postSpan) => {
        try {
          return shape(context, operation, unfilteredData, postSpan, telemetryConfig);
        } finally {
          postSpan.end();
        }
      });
      if (result.errors) {
        recordExceptions(span, result.errors, telemetryConfig);
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      return result;
    } catch (error) {
      recordExceptions(span, [error as Error], telemetryConfig);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** executeQueryPlan's post-processing: the compiled shaping, or Apollo's for an answer it gives up on. */
function shape(
  context: ExecutionContext,
  { operation, shaper }: CompiledOperation,
  unfilteredData: ResultMap,
  span: Parameters<typeof recordExceptions>[0],
  telemetryConfig: TelemetryConfig | undefined,
): ExecutionResult {
  const { errors } = context;
  const variables = context.requestContext.request.variables;
  const shaped = shaper.shape(unfilteredData, variables);
  if (shaped) return errors.length === 0 ? { data: shaped.data } : { errors, data: shaped.data };
  try {
    const { data, errors: postProcessingErrors } = computeResponse({
      operation,
      variables,
      input: unfilteredData,
      // Never called: an operation with introspection fields is not compiled, so Apollo's executor runs it.
      introspectionHandling: () => null,
    });
    if (errors.length === 0 && postProcessingErrors.length > 0) {
      recordExceptions(span, postProcessingErrors, telemetryConfig);
      span.setStatus({ code: SpanStatusCode.ERROR });
      return { extensions: { valueCompletion: postProcessingErrors }, data };
    }
    return errors.length === 0 ? { data } : { errors, data };
  } catch (error) {
    recordExceptions(span, [error as Error], telemetryConfig);
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (error instanceof GraphQLError) return { errors: [error] };
    if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
    context.requestContext.logger?.error(`Unexpected error during query plan execution: ${String(error)}`);
    return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
  }
}

async function executeNode(context: ExecutionContext, node: PlanNode, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(context, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(context, child, cursor)));
      return;
    case 'Flatten':
      await executeNode(context, node.node, moveIntoCursor(cursor, node.path));
      return;
    case 'Fetch':
      try {
        await executeFetch(context, node, cursor);
      } catch (error) {
        context.errors.push(error as GraphQLError);
      }
      return;
    case 'Condition': {
      const condition = evaluateCondition(node, context.operation.variableDefinitions, context.requestContext.request.variables);
      const picked = condition ? node.ifClause : node.elseClause;
      if (picked) await executeNode(context, picked, cursor);
      return;
    }
    default:
      throw new Error(`plan node ${node.kind} reached the project's executor`);
  }
}

/** GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported from the package's entry point at run time). */
export const INCOMING_OPERATION = 'incoming operation' as GraphQLDataSourceProcessOptions['kind'];

async function executeFetch(context: ExecutionContext, fetch: FetchNode, cursor: Cursor): Promise<void> {
  const service = context.serviceMap[fetch.serviceName];
  if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
  const entities: ResultMap[] = Array.isArray(cursor.data)
    ? cursor.data.filter((entity) => entity !== null && entity !== undefined)
    : [cursor.data];
  if (entities.length < 1) return;
  const variables = emptyRecord();
  const provided = context.requestContext.request.variables;
  if (fetch.variableUsages) {
    for (const name of fetch.variableUsages) {
      if (provided && Object.hasOwn(provided, name) && typeof provided[name] !== 'undefined') variables[name] = provided[name];
    }
  }

  const send = async (sentVariables: ResultMap): Promise<ResultMap | null | undefined> => {
    const response = await service.process({
      kind: INCOMING_OPERATION,
      request: { query: fetch.operation, variables: sentVariables, operationName: fetch.operationName, http: undefined },
      incomingRequestContext: context.requestContext,
      context: context.requestContext.context,
      document: fetch.operationDocumentNode,
      pathInIncomingRequest: cursor.path,
    } as GraphQLDataSourceProcessOptions);
    if (response.errors) {
      const errorPath = lazyErrorPaths(fetch, cursor);
      context.errors.push(...response.errors.map((error) => downstreamServiceError(error as GraphQLError, fetch.serviceName, errorPath)));
      if (!response.extensions?.ftv1) {
        const paths = response.errors.map((error) => ({ subgraph: fetch.serviceName, path: error.path }));
        const metrics = context.requestContext.metrics as { nonFtv1ErrorPaths?: typeof paths };
        if (metrics.nonFtv1ErrorPaths) metrics.nonFtv1ErrorPaths.push(...paths);
        else metrics.nonFtv1ErrorPaths = paths;
      }
    }
    return response.data as ResultMap | null | undefined;
  };

  if (!fetch.requires) {
    const received = await send(variables);
    if (received) applyRewrites(context.supergraphSchema, fetch.outputRewrites, received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }
  const representations: ResultMap[] = [];
  const representationToEntity: number[] = [];
  entities.forEach((entity, index) => {
    const representation = executeSelectionSet(context.supergraphSchema, entity, fetch.requires!);
    if (representation && representation.__typename) {
      applyRewrites(context.supergraphSchema, fetch.inputRewrites, representation);
      representations.push(representation);
      representationToEntity.push(index);
    }
  });
  if (representations.length < 1) return;
  if ('representations' in variables) throw new Error(`Variables cannot contain key "representations"`);
  const received = await send({ ...variables, representations });
  if (!received) return;
  const receivedEntities = received._entities;
  if (!(receivedEntities && Array.isArray(receivedEntities))) throw new Error(`Expected "data._entities" in response to be an array`);
  if (receivedEntities.length !== representations.length) {
    throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
  }
  // Apollo's loop runs to entities.length (past the representations when some entities sent none); kept as is.
  for (let i = 0; i < entities.length; i++) {
    const receivedEntity = receivedEntities[i] as ResultMap | null | undefined;
    const existingEntity = entities[representationToEntity[i]!]!;
    if (receivedEntity && !receivedEntity.__typename) receivedEntity.__typename = existingEntity.__typename;
    applyRewrites(context.supergraphSchema, fetch.outputRewrites, receivedEntity as ResultMap);
    deepMerge(entities[representationToEntity[i]!], receivedEntity);
  }
}

type ErrorPath = (path: readonly (string | number)[] | undefined) => (string | number)[] | undefined;

function lazyErrorPaths(fetch: FetchNode, cursor: Cursor): ErrorPath {
  let hydratedPaths: ResponsePath[] | undefined;
  return (errorPath) => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      if (!hydratedPaths) {
        hydratedPaths = [];
        generateHydratedPaths([], cursor.path, cursor.fullResult as never, hydratedPaths);
      }
      return [...(hydratedPaths[errorPath[1]] ?? []), ...errorPath.slice(2)];
    }
    return errorPath ? [...cursor.path, ...errorPath.slice()] : undefined;
  };
}

function downstreamServiceError(original: GraphQLError, serviceName: string, errorPath: ErrorPath): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const { extensions } = original;
  const options = {
    originalError: original,
    path: errorPath(original.path),
    extensions: { ...extensions, serviceName },
  };
  const codeDef = errorCodeDef(original);
  if (!codeDef && extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/** The representation of an entity: the fields `requires` selects, or null when one is missing. */
function executeSelectionSet(
  schema: GraphQLSchema,
  source: ResultMap | null,
  selections: readonly QueryPlanSelectionNode[],
): ResultMap | null {
  if (source === null) return null;
  const result = emptyRecord();
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) {
      const responseName = selection.alias ? selection.alias : selection.name;
      const children = selection.selections;
      const value = Object.hasOwn(source, responseName) ? source[responseName] : undefined;
      if (typeof value === 'undefined') return null;
      if (Array.isArray(value)) {
        result[responseName] = value.map((element: unknown) =>
          children ? executeSelectionSet(schema, element as ResultMap | null, children) : element,
        );
      } else if (children) {
        result[responseName] = executeSelectionSet(schema, value as ResultMap | null, children);
      } else {
        result[responseName] = value;
      }
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!selection.typeCondition || !source) continue;
      if (isObjectOfType(schema, source, selection.typeCondition)) {
        deepMerge(result, executeSelectionSet(schema, source, selection.selections));
      }
    }
  }
  return result;
}

function moveIntoCursor(cursor: Cursor, pathInCursor: readonly (string | number)[]): Cursor | undefined {
  const data = flattenResultsAtPath(cursor.data, pathInCursor, 0);
  return data
    ? { path: cursor.path.concat(pathInCursor as ResponsePath), data: data as Cursor['data'], fullResult: cursor.fullResult }
    : undefined;
}

/** Apollo's flattenResultsAtPath without a copy of the path's rest at every step (`[current, ...rest]`). */
function flattenResultsAtPath(value: unknown, path: readonly (string | number)[], from: number): unknown {
  for (let at = from; at < path.length; at++) {
    if (value === undefined || value === null) return value;
    const current = path[at];
    if (current === '@') {
      if (!Array.isArray(value)) throw new TypeError('value.flatMap is not a function');
      const flattened: unknown[] = [];
      for (const element of value) {
        const inner = flattenResultsAtPath(element, path, at + 1);
        if (Array.isArray(inner)) for (const item of inner) flattened.push(item);
        else flattened.push(inner);
      }
      return flattened;
    }
    if (typeof current !== 'string') throw new Error(`Unexpected ${typeof current} found in path`);
    if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
    value = Object.hasOwn(value as object, current) ? (value as ResultMap)[current] : undefined;
  }
  return value;
}

const isObject = (value: unknown): value is ResultMap =>
  value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);

/** Apollo's deepMerge (dist/utilities/deepMerge.js), each value read once. */
function deepMerge(target: ResultMap, source: ResultMap | null | undefined): ResultMap {
  if (source === undefined || source === null) return target;
  // for-in is Object.keys here: sources are parsed JSON or records, which inherit nothing enumerable.
  for (const key in source) {
    const value = source[key];
    if (value === undefined) continue;
    let existing = target[key];
    // A key the target inherits (a field named like an Object.prototype member) becomes its own first.
    if (existing !== undefined && !Object.hasOwn(target, key)) {
      Object.defineProperty(target, key, { configurable: true, enumerable: true, value: undefined, writable: true });
      existing = undefined;
    }
    if (existing && isObject(value)) {
      deepMerge(existing as ResultMap, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const into: unknown = existing[i];
        const from: unknown = value[i];
        if (isObject(into) && isObject(from)) deepMerge(into, from);
        else existing[i] = from;
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}
