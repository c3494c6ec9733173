/**
 * The gateway host: Apollo Gateway over the committed supergraph, on one HTTP port with the
 * GraphQL endpoint, a browser IDE, health, readiness and metrics.
 */
// First: before @apollo/gateway loads (see the module).
import './pipeline/plain-apollo-exports';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fs from 'node:fs';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { GRAPHQL_BODY_LIMIT_BYTES, graphqlHandler } from '../platform/graphql-http';
import { createHttpHost } from '../platform/http';
import { fromRoot } from '../platform/paths';
import type { Logger } from '../platform/logger';
import { maskUnexpectedErrors } from '../platform/errors';
import type { SubgraphName } from '../platform/services';
import {
  DEFAULT_QUERY_LIMITS,
  DEFAULT_REDIS_NAMESPACE,
  ENTITY_CACHE_DEFAULTS,
  ERASED_SUBJECTS_DEFAULTS,
  PARTNER_KEYS_DEFAULTS,
  RATE_LIMIT_DEFAULTS,
  WEBSOCKET_DEFAULTS,
  type EntityCacheConfig,
  type ErasedSubjectsConfig,
  type PartnerKeysConfig,
  type QueryLimitsConfig,
} from '../platform/config';
import { closeRedis, openRedis } from '../platform/redis';
import type { ClientTracePolicy } from '../platform/config/options/telemetry';
import type { ServiceTracing } from '../platform/telemetry';
import { checkApolloGatewayVersion, apolloServerPlugin, PlanRunner, SubgraphSource, withPlanHooks } from './pipeline/apollo-adapter';
import { installPlanExecutor } from './pipeline/executor/execute-plan';
import { FederatedPlanner } from './pipeline/planner';
import type { GatewayPlugin } from './pipeline/plugin';
import type { RequestState } from './pipeline/request-state';
import { Pipeline } from './pipeline/runner';
import { authPlugin } from './plugins/http/auth/plugin';
import { createErasedSubjects } from './plugins/http/auth/erased-subjects';
import { createTokenVerifier, signToken } from './plugins/http/auth/token';
import { trustFunction, type TrustProxy } from './plugins/http/client-identity';
import { corsPlugin } from './plugins/http/cors';
import { createPartnerKeys } from './plugins/http/partner-keys/keys';
import { partnerKeyPlugin, partnerRateLimiters, partnerRateLimitPlugin } from './plugins/http/partner-keys/plugin';
import { createRateLimiter, type RateLimitSettings } from './plugins/http/rate-limit/limiter';
import { rateLimitPlugin } from './plugins/http/rate-limit/plugin';
import { hideSuggestions } from './plugins/operation/hide-suggestions';
import { knownOperationTypes, operationChecks } from './plugins/operation/operation-checks';
import { partnerUsagePlugin } from './plugins/operation/partner-usage';
import { operationMetricsPlugin } from './plugins/operation/operation-metrics/plugin';
import { DEFAULT_OPERATION_LABELS, operationLabels } from './pipeline/metric-labels';
import { formatQueryLimitErrors, limitRules, parseOptions } from './plugins/operation/query-limits/limits';
import { queryCostPlugin } from './plugins/operation/query-limits/plugin';
import { singleFetchPlugin } from './plugins/plan/single-fetch';
import { subgraphFetchPlugins } from './plugins/subgraph-fetch';
import { operationTracingPlugin } from './plugins/http/tracing';
import { createEntityCache } from './plugins/subgraph-fetch/entity-cache';
import { SUPERGRAPH_SDL } from './supergraph';
import { PARTNER_ENDPOINT, readPartnerContract, servePartnerApi, type PartnerContract } from './partner';
import { graphqlWsBrowserDir, serveIde } from './ide';
import { EventExecutor } from './subscriptions/event-executor';
import { SubscriptionHub, type SubscriptionLimits } from './subscriptions/hub';
import { UpstreamConnections } from './subscriptions/upstream';
import { serveGraphqlWs, type WebSocketLimits } from './subscriptions/websocket';

export interface GatewayOptions {
  port: number;
  host: string;
  /** /metrics on a listener of its own on this port (0: any free one) instead of the public port (default: the public port). */
  metricsPort?: number;
  jwtSecret: string;
  jwksUrl?: string;
  internalSecret: string;
  /** Where each subgraph answers; overrides the routing URLs in the supergraph SDL. */
  subgraphUrls: Record<SubgraphName, string>;
  supergraphSdl?: string;
  /** The partner contract served at /partner/graphql (default: the committed gateway/contracts/partner*.graphql). */
  partnerContract?: PartnerContract;
  subscriptionLimits: SubscriptionLimits;
  /** The most one subgraph fetch may take; past it the subgraph's fields answer null with SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /** Subgraphs whose fetches may take longer or shorter than subgraphTimeoutMs. */
  subgraphTimeoutsMs?: Partial<Record<SubgraphName, number>>;
  /** Keep-alive connections per subgraph at most (default 64). */
  subgraphConnections?: number;
  /** Token, depth, alias, directive and cost limits per operation (default: DEFAULT_QUERY_LIMITS, on). */
  queryLimits?: QueryLimitsConfig;
  /** Introspection and "Did you mean …" suggestions (default on; the platform's config turns them off in production). */
  introspection?: boolean;
  /** The browser IDE on GET /graphql; with devUserId, its headers start with a token for that user. */
  ide?: { devUserId?: string };
  /** Requests per client per window (default 6000 per 60 s); `enabled: false` turns the limit off. */
  rateLimit?: RateLimitSettings & { enabled: boolean };
  /** Redis that rate-limit counts are shared through, so every replica enforces one limit. */
  redisUrl?: string;
  /** Prefix of this deployment's Redis keys; replicas of one deployment share it (default DEFAULT_REDIS_NAMESPACE). */
  redisNamespace?: string;
  /** Whose X-Forwarded-For to believe for the client's IP (express's 'trust proxy'; default nobody's). */
  trustProxy?: TrustProxy;
  /** graphql-ws limits (defaults: 64 KiB messages, 3 s for connection_init, 2000 sockets per client). */
  websocket?: WebSocketLimits;
  /** How partner API keys are checked with the users subgraph (default: remembered 10 s, 2 s timeout). */
  partnerKeys?: PartnerKeysConfig;
  /** How the list of erased users, whose tokens are refused, is kept (default ERASED_SUBJECTS_DEFAULTS: asked every 15 s). */
  erasedSubjects?: ErasedSubjectsConfig;
  /** Shared answers for the fields the supergraph tags cacheable (default ENTITY_CACHE_DEFAULTS: on); see gateway/plugins/subgraph-fetch/entity-cache. */
  entityCache?: EntityCacheConfig;
  /** Single-fetch operations answered with the subgraph's data as is (default on); see gateway/plugins/plan/single-fetch.ts. */
  singleFetchAnswers?: boolean;
  /** Identical subgraph fetches for clients' queries in flight at once sent once (default on); see gateway/plugins/subgraph-fetch/dedup. */
  deduplicateFetches?: boolean;
  /** Distinct operation names the process labels its metrics with (default DEFAULT_OPERATION_LABELS); see gateway/pipeline/metric-labels.ts. */
  metricsOperationNames?: number;
  /**
   * Plugins of the operator's own, after the gateway's (gateway/pipeline/plugin.ts): their HTTP,
   * operation, plan and response hooks run on every endpoint, their onSubgraphFetch on every
   * subgraph fetch (queries, the partner API and subscription events alike).
   */
  plugins?: GatewayPlugin[];
  /** The gateway's tracer, when tracing is on (platform/telemetry): absent, no tracing step is added at all. */
  tracing?: ServiceTracing;
  /** What a client's `traceparent` is worth at the public endpoints (default 'link'; docs/tracing.md). */
  clientTraceparent?: ClientTracePolicy;
  /** Milliseconds since the epoch, for tokens' exp over HTTP and WebSocket (default Date.now; tests move it). */
  now?: () => number;
  log: Logger;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** Where Prometheus scrapes this gateway: the metrics listener's /metrics, or the public port's. */
  metricsUrl: string;
  hub: SubscriptionHub;
  close(): Promise<void>;
}

async function subgraphsReady(urls: string[]): Promise<boolean> {
  const answers = await Promise.all(
    urls.map((url) =>
      fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(2_000) })
        .then((response) => response.ok)
        .catch(() => false),
    ),
  );
  return answers.every(Boolean);
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { log } = options;
  const redisNamespace = options.redisNamespace ?? DEFAULT_REDIS_NAMESPACE;
  const queryLimits = options.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const supergraphSdl = options.supergraphSdl ?? fs.readFileSync(SUPERGRAPH_SDL, 'utf8');
  // Judged against the full supergraph: the partner contract's fetches are a subset of its fetches.
  const entityCache = createEntityCache({
    config: options.entityCache ?? ENTITY_CACHE_DEFAULTS,
    supergraphSdl,
    redisUrl: options.redisUrl,
    namespace: redisNamespace,
    log,
  });
  checkApolloGatewayVersion();
  installPlanExecutor();
  const extraPlugins = options.plugins ?? [];
  // Every subgraph fetch, whichever endpoint or subscription it serves, runs these steps.
  const fetchPipeline = new Pipeline(
    subgraphFetchPlugins({
      internalSecret: options.internalSecret,
      log,
      entityCache,
      tracing: options.tracing,
      plugins: extraPlugins,
      deduplicate: options.deduplicateFetches ?? true,
    }),
  );
  // One data source per subgraph, shared by queries (Apollo Gateway) and subscription events.
  // Every source holds a pool of keep-alive connections: all are kept to be closed with the gateway.
  const sources: SubgraphSource[] = [];
  const source = (name: string, url: string) => {
    const created = new SubgraphSource({
      name,
      url,
      timeoutMs: options.subgraphTimeoutsMs?.[name as SubgraphName] ?? options.subgraphTimeoutMs,
      connections: options.subgraphConnections,
      pipeline: fetchPipeline,
    });
    sources.push(created);
    return created;
  };
  const dataSources = Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, url]) => [name, source(name, url)]));
  // @apollo/gateway sends usage data (OTLP metrics) to Apollo unless this is set; the platform sends
  // nothing anywhere its operator did not configure. An operator may still opt in by setting it to false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  // The main planner is shared with subscriptions; the partner contract's gateway gets its own.
  const planner = new FederatedPlanner(supergraphSdl);
  const gatewayOver = (sdl: string, endpoint: Pipeline, gatewayPlanner: FederatedPlanner) => {
    const gateway = new ApolloGateway({
      supergraphSdl: sdl,
      buildService: ({ name, url }) => dataSources[name] ?? source(name, url ?? ''),
    });
    return withPlanHooks(gateway, endpoint, new PlanRunner(gatewayPlanner, dataSources));
  };
  const erasedSettings = options.erasedSubjects ?? ERASED_SUBJECTS_DEFAULTS;
  const erased = createErasedSubjects({
    usersUrl: options.subgraphUrls.users,
    internalSecret: options.internalSecret,
    refreshMs: erasedSettings.refreshMs,
    timeoutMs: erasedSettings.timeoutMs,
    broadcast: { redisUrl: options.redisUrl, namespace: redisNamespace },
    log,
  });
  const verifier = createTokenVerifier({ ...options, erased });
  erased.onErased((userId) => verifier.dropSubject(userId));
  const host = createHttpHost({
    service: 'gateway',
    ready: () => subgraphsReady(Object.values(options.subgraphUrls)),
    log,
    metricsPort: options.metricsPort,
  });
  const trust = trustFunction(options.trustProxy ?? false);
  const hideSchemaDetails = !(options.introspection ?? true);
  host.app.set('trust proxy', trust);
  // The budget is the process's: its registry holds every gateway's series.
  operationLabels.setBudget(options.metricsOperationNames ?? DEFAULT_OPERATION_LABELS);
  // First on every endpoint when tracing is on: the server span encloses every other step, a refusal (401, 429) included.
  const tracingPlugins = options.tracing ? [operationTracingPlugin(options.tracing, options.clientTraceparent ?? 'link')] : [];
  const tracer = options.tracing?.tracer;
  // Operation steps both endpoints share, in order: /graphql and /partner/graphql have the same limits, checks and error vocabulary.
  const operationPlugins: GatewayPlugin[] = [
    // First: it times each subscription event across every other plugin's hook.
    operationMetricsPlugin(operationLabels),
    operationChecks,
    queryCostPlugin(queryLimits),
    // Without introspection, validation errors must not spell the schema out either (WebSocket does the same).
    ...(hideSchemaDetails ? [hideSuggestions] : []),
  ];
  const apolloServer = (gateway: ReturnType<typeof gatewayOver>, endpoint: Pipeline, { drainsHttpServer }: { drainsHttpServer: boolean }) =>
    new ApolloServer<RequestState>({
      gateway,
      plugins: [
        // The HTTP server is drained once, by the main server's stop.
        ...(drainsHttpServer ? [ApolloServerPluginDrainHttpServer({ httpServer: host.server })] : []),
        apolloServerPlugin(endpoint),
        // Our own IDE answers browsers (gateway/ide.ts); Apollo's landing page loads from a CDN.
        ApolloServerPluginLandingPageDisabled(),
        // No subgraph sends cache hints, so the default cache-control plugin would only add work to every request.
        ApolloServerPluginCacheControlDisabled(),
      ],
      formatError: limitAwareErrors(queryLimits, maskUnexpectedErrors(log, 'gateway')),
      // The token limit stops parsing at the first token over it; the other limits are validation rules.
      parseOptions: parseOptions(queryLimits),
      validationRules: [...limitRules(queryLimits), knownOperationTypes],
      logger: log,
      introspection: options.introspection ?? true,
      // Shutdown is ours (platform/shutdown.ts): Apollo's own signal handlers would race it.
      stopOnTerminationSignals: false,
    });
  const rateLimit = options.rateLimit ?? RATE_LIMIT_DEFAULTS;
  // Rate limiting only needs commands that fail at once while Redis is away (the limiter then counts in memory).
  const redis =
    rateLimit.enabled && options.redisUrl
      ? openRedis(options.redisUrl, { role: 'gateway rate limits', log, extra: { enableOfflineQueue: false } })
      : undefined;
  const rateLimiter = rateLimit.enabled
    ? createRateLimiter(rateLimit, { redis, keyPrefix: `${redisNamespace}:gateway-rate-limit`, log })
    : undefined;
  // /graphql: CORS, the bearer token (checked once; a bad one fails in the context, as
  // UNAUTHENTICATED), the client's rate limit; then the operation steps and single-fetch answers.
  const mainPipeline = new Pipeline([
    ...tracingPlugins,
    corsPlugin,
    authPlugin(verifier),
    ...(rateLimiter ? [rateLimitPlugin(rateLimiter, trust)] : []),
    ...operationPlugins,
    ...(options.singleFetchAnswers === false ? [] : [singleFetchPlugin(planner, tracer)]),
    ...extraPlugins,
  ]);
  const server = apolloServer(gatewayOver(supergraphSdl, mainPipeline, planner), mainPipeline, { drainsHttpServer: true });
  // The partner contract: a second gateway over the contract supergraph, sharing the subgraph data sources.
  const partnerContract = options.partnerContract ?? readPartnerContract();
  const partnerKeys = options.partnerKeys ?? PARTNER_KEYS_DEFAULTS;
  const keys = createPartnerKeys({
    usersUrl: options.subgraphUrls.users,
    internalSecret: options.internalSecret,
    cacheTtlMs: partnerKeys.cacheTtlMs,
    timeoutMs: partnerKeys.lookupTimeoutMs,
    // On whatever the gateway's limits are set to: it protects the users subgraph, not a quota.
    lookupLimiter: createRateLimiter(
      { points: partnerKeys.lookupsPerMinute, windowSeconds: 60, redisTimeoutMs: rateLimit.redisTimeoutMs },
      { redis, keyPrefix: `${redisNamespace}:partner-key-lookups`, log },
    ),
    maxConcurrentLookups: partnerKeys.maxConcurrentLookups,
    log,
  });
  // /partner/graphql: CORS, the API key (401 without a valid one), the partner's own rate limit,
  // and only then is the body read; the partner's cost budget and usage after the shared steps.
  const partnerPlanner = new FederatedPlanner(partnerContract.supergraphSdl);
  const partnerPipeline = new Pipeline([
    ...tracingPlugins,
    corsPlugin,
    partnerKeyPlugin({ keys, rateLimiter, trust }),
    ...(rateLimit.enabled
      ? [
          partnerRateLimitPlugin(
            partnerRateLimiters({
              redis,
              keyPrefix: `${redisNamespace}:partner-rate-limit`,
              redisTimeoutMs: rateLimit.redisTimeoutMs,
              log,
            }),
          ),
        ]
      : []),
    ...operationPlugins,
    partnerUsagePlugin(queryLimits),
    ...(options.singleFetchAnswers === false ? [] : [singleFetchPlugin(partnerPlanner, tracer)]),
    ...extraPlugins,
  ]);
  const partnerServer = apolloServer(gatewayOver(partnerContract.supergraphSdl, partnerPipeline, partnerPlanner), partnerPipeline, {
    drainsHttpServer: false,
  });
  await Promise.all([server.start(), partnerServer.start()]);
  serveDashboard(host.app);
  if (options.ide) {
    const { devUserId } = options.ide;
    // A dev token can be minted only where the gateway holds the signing secret (not with JWKS).
    const devToken =
      devUserId && !options.jwksUrl ? () => signToken(options.jwtSecret, { userId: devUserId, roles: ['customer'] }) : undefined;
    serveIde(host.app, { endpoint: '/graphql', devToken });
  }
  host.serveGraphql(
    '/graphql',
    graphqlHandler({
      server,
      gate: mainPipeline.httpGate('/graphql'),
      bodyLimitBytes: GRAPHQL_BODY_LIMIT_BYTES,
      log,
      around: mainPipeline.httpExchange('/graphql'),
    }),
  );
  servePartnerApi(host, {
    server: partnerServer,
    contract: partnerContract,
    gate: partnerPipeline.httpGate(PARTNER_ENDPOINT),
    around: partnerPipeline.httpExchange(PARTNER_ENDPOINT),
    log,
  });
  const upstream = new UpstreamConnections(options.subgraphUrls, options.internalSecret, log);
  const hub = new SubscriptionHub(
    planner,
    new EventExecutor(planner, dataSources, log, mainPipeline),
    upstream,
    options.subscriptionLimits,
    log,
  );
  const closeWebSockets = serveGraphqlWs({
    httpServer: host.server,
    planner,
    hub,
    verifier,
    apollo: server,
    queryLimits,
    limits: options.websocket ?? WEBSOCKET_DEFAULTS,
    rateLimiter,
    trustProxy: trust,
    hideSchemaDetails,
    now: options.now,
    erased,
    log,
  });

  const { port, url, metricsUrl } = await host.listen(options.port, options.host);
  log.info({ url: `${url}/graphql`, partnerUrl: `${url}${PARTNER_ENDPOINT}`, metricsUrl }, 'gateway listening');
  return {
    url: `${url}/graphql`,
    port,
    metricsUrl,
    hub,
    async close() {
      const closed = host.close();
      await closeWebSockets();
      await upstream.close();
      await server.stop();
      await partnerServer.stop();
      await closed;
      // After the servers stop nothing sends to a subgraph any more; idle connections go at once.
      await Promise.all(sources.map((dataSource) => dataSource.close()));
      if (redis) await closeRedis(redis);
      await entityCache?.close();
      await erased.close();
    },
  };
}

/** Limit errors get their code back from Apollo's wrappers before the usual masking. */
function limitAwareErrors(limits: QueryLimitsConfig, next: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  const limitErrors = formatQueryLimitErrors(limits);
  return (formatted: GraphQLFormattedError, error: unknown) => next(limitErrors(formatted), error);
}

/** The live dashboard: static files, plus the browser build of graphql-ws it imports. */
function serveDashboard(app: express.Express): void {
  app.use('/dashboard/vendor/graphql-ws', express.static(graphqlWsBrowserDir()));
  app.use('/dashboard', express.static(fromRoot('gateway', 'dashboard')));
}
