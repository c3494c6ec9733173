/**
 * The gateway host: Apollo Gateway over the committed supergraph, on one HTTP port with the
 * GraphQL endpoint, a browser IDE, health, readiness and metrics.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fs from 'node:fs';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { GRAPHQL_BODY_LIMIT_BYTES, graphqlHandler, type GraphqlGate } from '../platform/graphql-http';
import { createHttpHost } from '../platform/http';
import { fromRoot } from '../platform/paths';
import type { Logger } from '../platform/logger';
import { maskUnexpectedErrors } from '../platform/errors';
import type { SubgraphName } from '../platform/services';
import {
  DEFAULT_QUERY_LIMITS,
  DEFAULT_REDIS_NAMESPACE,
  ENTITY_CACHE_DEFAULTS,
  PARTNER_KEYS_DEFAULTS,
  RATE_LIMIT_DEFAULTS,
  WEBSOCKET_DEFAULTS,
  type EntityCacheConfig,
  type PartnerKeysConfig,
  type QueryLimitsConfig,
} from '../platform/config';
import { closeRedis, openRedis } from '../platform/redis';
import { createTokenVerifier, signToken } from './auth';
import { clientIp, clientKey, trustFunction, type TrustFunction, type TrustProxy } from './client-identity';
import { createRateLimiter, type RateLimiter, type RateLimitSettings } from './rate-limit';
import { answerRateLimit } from './rate-limit-http';
import { authenticate, requestViewer, verifiedViewer } from './request-auth';
import { applyCors } from './cors';
import type { TokenVerifier } from './auth';
import { SUPERGRAPH_SDL } from './supergraph';
import { PARTNER_ENDPOINT, partnerRateLimiters, readPartnerContract, servePartnerApi, type PartnerContract } from './partner';
import { createPartnerKeys } from './partner-keys';
import { partnerUsagePlugin } from './partner-usage';
import { SignedClaimsDataSource, type GatewayContext } from './data-source';
import { withSingleFetchAnswers } from './single-fetch';
import { createEntityCache } from './entity-cache';
import { graphqlWsBrowserDir, serveIde } from './ide';
import { knownOperationTypes, operationChecks } from './operation-checks';
import { hideSuggestions } from './schema-details';
import { formatQueryLimitErrors, limitRules, parseOptions, queryCostPlugin } from './query-limits';
import { EventExecutor } from './subscriptions/event-executor';
import { SubscriptionHub, type SubscriptionLimits } from './subscriptions/hub';
import { FederatedPlanner } from './subscriptions/planner';
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
  /** Shared answers for the fields the supergraph tags cacheable (default ENTITY_CACHE_DEFAULTS: on); see gateway/entity-cache. */
  entityCache?: EntityCacheConfig;
  /** Single-fetch operations answered with the subgraph's data as is (default on); see gateway/single-fetch.ts. */
  singleFetchAnswers?: boolean;
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
  // One data source per subgraph, shared by queries (Apollo Gateway) and subscription events.
  // Every source holds a pool of keep-alive connections: all are kept to be closed with the gateway.
  const sources: SignedClaimsDataSource[] = [];
  const source = (name: string, url: string) => {
    const created = new SignedClaimsDataSource({
      name,
      url,
      internalSecret: options.internalSecret,
      timeoutMs: options.subgraphTimeoutsMs?.[name as SubgraphName] ?? options.subgraphTimeoutMs,
      connections: options.subgraphConnections,
      log,
      entityCache,
    });
    sources.push(created);
    return created;
  };
  const dataSources = Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, url]) => [name, source(name, url)]));
  // @apollo/gateway sends usage data (OTLP metrics) to Apollo unless this is set; the platform sends
  // nothing anywhere its operator did not configure. An operator may still opt in by setting it to false.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  // A planner is built for a supergraph only when single-fetch answers need one (the main one is shared with subscriptions).
  const gatewayOver = (sdl: string, planner?: FederatedPlanner) => {
    const gateway = new ApolloGateway({
      supergraphSdl: sdl,
      buildService: ({ name, url }) => dataSources[name] ?? source(name, url ?? ''),
    });
    if (options.singleFetchAnswers === false) return gateway;
    return withSingleFetchAnswers(gateway, { planner: planner ?? new FederatedPlanner(sdl), dataSources });
  };
  const planner = new FederatedPlanner(supergraphSdl);
  const verifier = createTokenVerifier(options);
  const host = createHttpHost({
    service: 'gateway',
    ready: () => subgraphsReady(Object.values(options.subgraphUrls)),
    log,
    metricsPort: options.metricsPort,
  });
  const trust = trustFunction(options.trustProxy ?? false);
  const hideSchemaDetails = !(options.introspection ?? true);
  host.app.set('trust proxy', trust);
  // /graphql and /partner/graphql are built alike: the same limits, checks and error vocabulary.
  const apolloServer = (
    gateway: ReturnType<typeof gatewayOver>,
    { drainsHttpServer, plugins = [] }: { drainsHttpServer: boolean; plugins?: ApolloServerPlugin<GatewayContext>[] },
  ) =>
    new ApolloServer<GatewayContext>({
      gateway,
      plugins: [
        // The HTTP server is drained once, by the main server's stop.
        ...(drainsHttpServer ? [ApolloServerPluginDrainHttpServer({ httpServer: host.server })] : []),
        operationChecks,
        queryCostPlugin(queryLimits),
        // Without introspection, validation errors must not spell the schema out either (WebSocket does the same).
        ...(hideSchemaDetails ? [hideSuggestions] : []),
        ...plugins,
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
  const server = apolloServer(gatewayOver(supergraphSdl, planner), { drainsHttpServer: true });
  // The partner contract: a second gateway over the contract supergraph, sharing the subgraph data sources.
  const partnerContract = options.partnerContract ?? readPartnerContract();
  const partnerServer = apolloServer(gatewayOver(partnerContract.supergraphSdl), {
    drainsHttpServer: false,
    plugins: [partnerUsagePlugin(queryLimits)],
  });
  await Promise.all([server.start(), partnerServer.start()]);
  const rateLimit = options.rateLimit ?? RATE_LIMIT_DEFAULTS;
  // Rate limiting only needs commands that fail at once while Redis is away (the limiter then counts in memory).
  const redis =
    rateLimit.enabled && options.redisUrl
      ? openRedis(options.redisUrl, { role: 'gateway rate limits', log, extra: { enableOfflineQueue: false } })
      : undefined;
  const rateLimiter = rateLimit.enabled
    ? createRateLimiter(rateLimit, { redis, keyPrefix: `${redisNamespace}:gateway-rate-limit`, log })
    : undefined;
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
    graphqlHandler({ server, gate: clientGate({ verifier, rateLimiter, trust }), bodyLimitBytes: GRAPHQL_BODY_LIMIT_BYTES, log }),
  );
  const partnerKeys = options.partnerKeys ?? PARTNER_KEYS_DEFAULTS;
  servePartnerApi(host, {
    server: partnerServer,
    contract: partnerContract,
    keys: createPartnerKeys({
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
    }),
    partnerLimits: rateLimit.enabled
      ? partnerRateLimiters({
          redis,
          keyPrefix: `${redisNamespace}:partner-rate-limit`,
          redisTimeoutMs: rateLimit.redisTimeoutMs,
          log,
        })
      : undefined,
    rateLimiter,
    trust,
    log,
  });
  const upstream = new UpstreamConnections(options.subgraphUrls, options.internalSecret, log);
  const hub = new SubscriptionHub(planner, new EventExecutor(planner, dataSources, log), upstream, options.subscriptionLimits, log);
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
    },
  };
}

/**
 * What every request to /graphql passes before GraphQL, in order: CORS, the bearer token (checked
 * once; a bad one fails in the context, as UNAUTHENTICATED), the client's rate limit.
 */
function clientGate(options: { verifier: TokenVerifier; rateLimiter?: RateLimiter; trust: TrustFunction }): GraphqlGate<GatewayContext> {
  return async ({ req, res }) => {
    if (!applyCors(req, res)) return undefined;
    const authentication = await authenticate(options.verifier, req.headers.authorization);
    if (options.rateLimiter) {
      const decision = await options.rateLimiter.consume(clientKey(verifiedViewer(authentication), () => clientIp(req, options.trust)));
      if (!answerRateLimit(decision, res)) return undefined;
    }
    return async () => ({ viewer: requestViewer(authentication) });
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
