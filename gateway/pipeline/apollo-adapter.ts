/**
 * Every place the gateway reaches into @apollo/gateway and @apollo/server beyond their documented
 * options, in one module, so that an upgrade has one file to check against:
 * - the subgraph data source: RemoteGraphQLDataSource.process runs the plugins' onSubgraphFetch
 *   chain, whose end sends the request as Apollo's process and sendRequest would (apq off): the
 *   body is JSON.stringify({ query, ...rest }), serialised once (subgraphRequestBody: claims are
 *   signed over it), and Apollo's private respond() still reads the answer's Cache-Control;
 * - the executor: ApolloGateway.load()'s executor is wrapped to run the plugins' onPlan chain, and
 *   executeQueryPlan/buildOperationContext run plans outside Apollo's own request pipeline (single
 *   fetches replayed into it, subscription events);
 * - GraphQLDataSourceRequestKind's values, which the package does not export at run time;
 * - the plan executor (./executor/): Apollo's executeQueryPlan ported, put in its place for plans
 *   over these data sources, with Apollo's result shaping, data rewrites and error paths reused.
 * The pinned version below is the one these assumptions were read from; another one fails loudly
 * at start-up rather than signing bodies the subgraphs will not accept.
 */
// First: before @apollo/gateway loads (see the module).
import './plain-apollo-exports';
import { createRequire } from 'node:module';
import {
  buildOperationContext,
  executeQueryPlan,
  RemoteGraphQLDataSource,
  type ApolloGateway,
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
  type ServiceMap,
} from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import type { QueryPlan } from '@apollo/query-planner';
import { getOperationAST, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Logger } from '../../platform/logger';
import type { FederatedPlanner } from './planner';
import type { PlanPhase, SubgraphFetch, SubgraphFetchKind, SubgraphRequest, SubgraphResult } from './plugin';
import type { RequestState } from './request-state';
import type { Pipeline } from './runner';
import { INCOMING_OPERATION, runPlansFor } from './executor/execute-plan';
import { bufferedBody, createSubgraphClient, type SubgraphClient } from './subgraph-client';

/** The @apollo/gateway release whose internals this module was written against. */
export const PINNED_APOLLO_GATEWAY = '2.14.4';

export function checkApolloGatewayVersion(): void {
  const { version } = createRequire(__filename)('@apollo/gateway/package.json') as { version: string };
  if (version !== PINNED_APOLLO_GATEWAY) {
    throw new Error(
      `@apollo/gateway ${version} is installed; gateway/pipeline/apollo-adapter.ts was written against ${PINNED_APOLLO_GATEWAY}: check its assumptions and update the pin`,
    );
  }
}

type ProcessOptions = GraphQLDataSourceProcessOptions<RequestState>;
type ApolloResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;
type Executor = NonNullable<Awaited<ReturnType<ApolloGateway['load']>>['executor']>;
type RequestContext = Parameters<Executor>[0];
export type GatewayLike = Pick<ApolloGateway, 'load' | 'onSchemaLoadOrUpdate' | 'stop'>;

/** GraphQLDataSourceRequestKind's values (the enum is not exported from the package's entry point at run time). */
const KINDS: Record<string, SubgraphFetchKind> = {
  'incoming operation': 'operation',
  'health check': 'health-check',
  'loading schema': 'loading-schema',
};

/** Bodies already serialised, by request: a request object is never changed once made (plugins change copies). */
const serialised = new WeakMap<SubgraphRequest, string>();

/**
 * The body sent for a request (apq off): the query first, then the rest as given. Serialised once
 * per request object; the fetch reuses the same string, so what was signed is what is sent.
 */
export function subgraphRequestBody(request: SubgraphRequest): string {
  let body = serialised.get(request);
  if (body === undefined) {
    const { query, ...rest } = request;
    if (typeof query === 'string') {
      // JSON.stringify({ query, ...rest }), with the query's JSON text (a plan's fetch sends the same one every time) written once.
      const others = JSON.stringify(rest);
      body = `{"query":${queryJson(query)}${others === '{}' ? '}' : `,${others.slice(1)}`}`;
    } else {
      body = JSON.stringify({ query, ...rest });
    }
    serialised.set(request, body);
  }
  return body;
}

/** JSON texts of the query strings fetches send: one per fetch of a plan in the plan cache, so few; cleared when full all the same. */
const queryJsonTexts = new Map<string, string>();
const QUERY_JSON_TEXTS_KEPT = 2048;

function queryJson(query: string): string {
  let text = queryJsonTexts.get(query);
  if (text === undefined) {
    text = JSON.stringify(query);
    if (queryJsonTexts.size >= QUERY_JSON_TEXTS_KEPT) queryJsonTexts.clear();
    queryJsonTexts.set(query, text);
  }
  return text;
}

/** Where the fetch's Apollo options ride along through the chain (spread copies keep it). */
const APOLLO_OPTIONS = Symbol('apollo process options');
type CarriedFetch = SubgraphFetch & { [APOLLO_OPTIONS]: ProcessOptions };

export interface SubgraphSourceOptions {
  /** The subgraph's name in the supergraph; clients see it as `extensions.serviceName`. */
  name: string;
  url: string;
  /** The most one fetch may take, connect to last byte; past it the fetch fails (a plugin turns that into SERVICE_UNAVAILABLE). */
  timeoutMs: number;
  /** Keep-alive connections to this subgraph at most (default DEFAULT_SUBGRAPH_CONNECTIONS). */
  connections?: number;
  /** Whose onSubgraphFetch hooks every fetch runs through. */
  pipeline: Pipeline;
}

/**
 * One subgraph as Apollo Gateway calls it: each fetch runs the plugins' onSubgraphFetch chain, and
 * the chain's end is Apollo's own request over a bounded pool of keep-alive connections
 * (./subgraph-client.ts). close() ends the pool.
 */
export class SubgraphSource extends RemoteGraphQLDataSource<RequestState> {
  private readonly client: SubgraphClient;
  private readonly chain: (fetch: SubgraphFetch) => Promise<SubgraphResult>;

  constructor(private readonly source: SubgraphSourceOptions) {
    super({ url: source.url });
    // The client's deadline covers the body too: a subgraph that sends headers and then stalls is cut off as well.
    this.client = createSubgraphClient(source.url, { connections: source.connections, timeoutMs: source.timeoutMs });
    this.fetcher = this.client.fetch;
    runPlansFor(this);
    this.chain = source.pipeline.subgraphFetch((fetch) => this.send(fetch as CarriedFetch));
  }

  /** Closes the connections to the subgraph; call it once the gateway no longer sends requests. */
  close(): Promise<void> {
    return this.client.close();
  }

  override async process(options: ProcessOptions): Promise<ApolloResponse> {
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const { http: _http, ...request } = options.request;
    const fetch: CarriedFetch = {
      subgraph: this.source.name,
      kind: KINDS[options.kind] ?? 'operation',
      request: request as SubgraphRequest,
      document: incoming?.document,
      headers: {},
      // Any fetch made for a client carries its state; Apollo's own (health checks, schema loading) carry none.
      state: (options.context as Partial<RequestState> | undefined)?.viewer ? (options.context as RequestState) : undefined,
      operation: incoming?.incomingRequestContext.operation
        ? { name: incoming.incomingRequestContext.operationName ?? null, type: incoming.incomingRequestContext.operation.operation }
        : undefined,
      outcome: {},
      [APOLLO_OPTIONS]: options,
    };
    return (await this.chain(fetch)) as ApolloResponse;
  }

  /**
   * The end of the chain: what Apollo's process() then sendRequest() do with the request (apq off,
   * no willSendRequest), minus what they cost per fetch for nothing here: a node-fetch Headers
   * built and turned back into a record, the request copied three times, the body serialised again
   * (the claim step serialised it; it is sent as signed), and a node-fetch Request only
   * didEncounterError would read (Apollo's only rethrows). Apollo's own errorFromResponse,
   * parseBody and respond (the subgraph's Cache-Control into the operation's cache policy) still
   * answer.
   */
  private async send(fetch: CarriedFetch): Promise<ApolloResponse> {
    const options = fetch[APOLLO_OPTIONS];
    const { request } = fetch;
    if (!request.query) throw new Error('Missing query');
    // As node-fetch's Headers sent them: names lower-cased, repeats joined.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(fetch.headers)) {
      const lower = name.toLowerCase();
      headers[lower] = Object.hasOwn(headers, lower) ? `${headers[lower]}, ${value}` : value;
    }
    headers['content-type'] = 'application/json';
    const response = await this.fetcher(this.url, { method: 'POST', headers, body: subgraphRequestBody(request) });
    if (!response.ok) throw await this.errorFromResponse(response);
    const parsed = await this.parseBody(response, undefined, options.context as RequestState);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`Expected JSON response body, but received: ${String(parsed)}`);
    }
    const incoming =
      options.kind === INCOMING_OPERATION ? (options as Extract<ProcessOptions, { incomingRequestContext: unknown }>) : undefined;
    const cachePolicy = incoming?.incomingRequestContext.overallCachePolicy;
    return (this as unknown as ApolloRespond).respond({
      response: { ...parsed, http: response },
      request,
      context: options.context,
      overallCachePolicy: this.honorSubgraphCacheControlHeader && cachePolicy && 'restrict' in cachePolicy ? cachePolicy : null,
      pathInIncomingRequest: incoming?.pathInIncomingRequest,
    });
  }
}

/** RemoteGraphQLDataSource's respond(), private in its types. */
interface ApolloRespond {
  respond(options: {
    response: object;
    request: SubgraphRequest;
    context: unknown;
    overallCachePolicy: unknown;
    pathInIncomingRequest: unknown;
  }): Promise<ApolloResponse>;
}

/**
 * A copy of a subgraph's answer that shares no object with it. Apollo's executor merges each
 * answer into the response it builds (it assigns the answer's objects into it and merges later
 * fetches into those), so one answer object must never reach two requests.
 * An answer the transport produced is `{ ...JSON.parse(body), http }` (SubgraphSource.sendSerialised,
 * Apollo's respond() returning it as is): the body parsed again is the copy, costing what a fetch
 * of its own would have spent parsing it, half a structuredClone's (docs/operations.md, fetch
 * deduplication). The `http` response is shared: it is read-only. Anything else is cloned.
 */
export function copyOfSubgraphResult(result: SubgraphResult): SubgraphResult {
  const { http, ...answer } = result as SubgraphResult & { http?: unknown };
  const body = bufferedBody(http);
  const copy = body === undefined ? structuredClone(answer) : (JSON.parse(body) as SubgraphResult);
  return http === undefined ? copy : ({ ...copy, http } as SubgraphResult);
}

/** The document of a fetch: the one Apollo handed along, else its query parsed. */
export const documentOf = (fetch: SubgraphFetch): DocumentNode | undefined =>
  fetch.document ?? (fetch.request.query ? parse(fetch.request.query) : undefined);

/** Apollo's gateway with its executor running the pipeline's onPlan hooks (when any plugin has one). */
export function withPlanHooks(gateway: ApolloGateway, pipeline: Pipeline, runner: PlanRunner): GatewayLike {
  const plan = pipeline.plan();
  if (!plan) return gateway;
  return {
    async load(loadOptions) {
      const loaded = await gateway.load(loadOptions);
      const apolloExecutor = loaded.executor;
      const executor: Executor = (requestContext) => plan(runner.phase(requestContext), () => apolloExecutor(requestContext));
      return { ...loaded, executor };
    },
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
  };
}

/** What a plan hook can do with an operation: fetch through the data sources, run a plan with Apollo's executor. */
export class PlanRunner {
  constructor(
    private readonly planner: FederatedPlanner,
    private readonly dataSources: ServiceMap,
  ) {}

  phase(requestContext: RequestContext): PlanPhase {
    const { dataSources, planner } = this;
    return {
      state: requestContext.context as RequestState,
      document: requestContext.document,
      operation: requestContext.operation,
      operationName: requestContext.operationName,
      variables: requestContext.request.variables,
      queryHash: requestContext.queryHash,
      tracing: Boolean(requestContext.metrics.captureTraces),
      fetch(subgraph, request, document) {
        return dataSources[subgraph]?.process({
          kind: INCOMING_OPERATION,
          request,
          incomingRequestContext: requestContext,
          context: requestContext.context,
          document,
          pathInIncomingRequest: [],
        } as ProcessOptions) as Promise<SubgraphResult> | undefined;
      },
      executePlan(plan, answered) {
        const replay: GraphQLDataSource | undefined = answered && { process: async () => answered.result as ApolloResponse };
        return executeQueryPlan(
          plan,
          replay && answered ? { ...dataSources, [answered.subgraph]: replay } : dataSources,
          requestContext,
          buildOperationContext({
            schema: planner.apiGraphQLSchema,
            operationDocument: requestContext.document,
            operationName: requestContext.operationName ?? undefined,
          }),
          planner.supergraphSchema,
          planner.apiSchema,
        );
      },
    };
  }
}

/** A plan run for a subscription event, outside any Apollo request: the context Apollo's executor needs, built here. */
export interface EventPlanRun {
  plan: QueryPlan;
  operationContext: ReturnType<typeof buildOperationContext>;
}

export function prepareEventPlan(
  planner: FederatedPlanner,
  plan: QueryPlan,
  document: DocumentNode,
  operationName?: string | null,
): EventPlanRun {
  return {
    plan,
    operationContext: buildOperationContext({
      schema: planner.apiGraphQLSchema,
      operationDocument: document,
      operationName: operationName ?? undefined,
    }),
  };
}

export async function executeEventPlan(
  planner: FederatedPlanner,
  run: EventPlanRun,
  dataSources: ServiceMap,
  replayed: { subgraph: string; event: ExecutionResult },
  request: { document: DocumentNode; operationName?: string | null; variables: Record<string, unknown>; state: RequestState; log: Logger },
): Promise<ExecutionResult> {
  // Fresh per event: the executor records per-request state (error paths, traces) in it.
  const requestContext = {
    request: { query: undefined, variables: request.variables, operationName: request.operationName ?? undefined },
    context: request.state,
    logger: request.log,
    metrics: {},
    cache: undefined,
    schema: planner.apiGraphQLSchema,
    document: request.document,
    operationName: request.operationName ?? null,
    operation: run.operationContext.operation,
    source: undefined,
    queryHash: '',
    overallCachePolicy: undefined,
    requestIsBatched: false,
  } as unknown as Parameters<typeof executeQueryPlan>[2];
  const replay: GraphQLDataSource = {
    process: async () => ({ data: replayed.event.data as Record<string, unknown> | null, errors: replayed.event.errors as never }),
  };
  const result = await executeQueryPlan(
    run.plan,
    { ...dataSources, [replayed.subgraph]: replay },
    requestContext,
    run.operationContext,
    planner.supergraphSchema,
    planner.apiSchema,
  );
  return { data: result.data ?? null, ...(result.errors ? { errors: result.errors } : {}) } as ExecutionResult;
}

/** Apollo Server's plugin for the pipeline's operation, response and error hooks. */
export function apolloServerPlugin(pipeline: Pipeline): ApolloServerPlugin<RequestState> {
  const operations = pipeline.has('onOperation');
  const responses = pipeline.has('onResponse');
  const errors = pipeline.has('onErrors');
  const documentPhases = pipeline.has('onDocumentPhase');
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        ...(documentPhases && {
          async parsingDidStart({ contextValue }) {
            const end = pipeline.documentPhase({ state: contextValue, name: 'parse' });
            return async (error) => end(error ? [error] : undefined);
          },
        }),
        ...((errors || documentPhases) && {
          async validationDidStart({ contextValue }) {
            const end = documentPhases ? pipeline.documentPhase({ state: contextValue, name: 'validate' }) : undefined;
            return async (validationErrors) => {
              end?.(validationErrors);
              if (errors && validationErrors) pipeline.errors(validationErrors);
            };
          },
        }),
        ...(errors && {
          async didEncounterErrors({ errors: encountered }) {
            pipeline.errors(encountered);
          },
        }),
        ...(operations && {
          async didResolveOperation({ contextValue, schema, document, operation, request }) {
            await pipeline.operation({
              state: contextValue,
              schema,
              document,
              operation,
              operationName: request.operationName,
              variables: request.variables,
            });
          },
        }),
        ...(responses && {
          async willSendResponse({ contextValue, operationName, operation, document, request, response }) {
            const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            // A document that failed validation has no resolved operation yet; its type is still known.
            const operationType = (operation ?? (document ? getOperationAST(document, request.operationName) : null))?.operation;
            await pipeline.response({
              state: contextValue,
              operationName,
              operationType,
              startedAt: contextValue.receivedAt ?? startedAt,
              errors: sent,
            });
          },
        }),
      };
    },
  };
}
