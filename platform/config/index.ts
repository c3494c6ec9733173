/**
 * The one configuration loader. Every service reads its settings here, from the environment and
 * the optional CONFIG_FILE, so that "unset" always means the embedded default (PGlite,
 * in-process bus, local inference). What each variable means, its type and default are declared
 * once, in options/ (one file per feature); this module shapes them into PlatformConfig.
 */
import path from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../services';
import { FEATURES } from './features';
import type { Feature, Options } from './option';
import { backendOptions } from './options/backends';
import { dataExportOptions } from './options/data-export';
import {
  entityCacheOptions,
  gatewayOptions,
  MAX_QUERY_TOKENS,
  partnerKeyOptions,
  queryLimitOptions,
  rateLimitOptions,
  websocketOptions,
} from './options/gateway';
import { erasureOptions } from './options/erasure';
import { inferenceOptions } from './options/inference';
import { orderOptions } from './options/orders';
import { processOptions } from './options/process';
import { recommendationOptions } from './options/recommendations';
import { secretOptions } from './options/secrets';
import { serviceOptions } from './options/services';
import { telemetryOptions, type ClientTracePolicy, type TraceSamplerName } from './options/telemetry';
import { webhookOptions } from './options/webhooks';
import { auditOptions } from './options/audit';
import { openReading, readFeature, type Reading } from './read';

export { MAX_QUERY_TOKENS };
export { DEFAULT_REDIS_NAMESPACE } from './options/backends';

export interface PlatformConfig {
  /** Postgres connection string; undefined selects embedded PGlite. */
  databaseUrl?: string;
  /** Directory that holds PGlite's files on the embedded default. */
  dataDir: string;
  /** Redis connection string; undefined selects the in-process event bus and caches. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel (REDIS_NAMESPACE). */
  redisNamespace: string;
  /** `<NAME>_URL` of each subgraph that has one (platform/services.ts falls back to HOST and its port). */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** Base URL of an Open Inference Protocol server. */
  inferenceUrl: string;
  /** How long recommendations wait for the model before answering from popularity. */
  inferenceDeadlineMs: number;
  /**
   * Switches that exist for benchmarks and incident response (per-request batching, the candidate
   * cache), and how long recommendations wait for stock and category from the products service
   * before answering without those rules (marked degraded, PRODUCTS_UNAVAILABLE). twoStagePercent
   * is the A/B split between the pipelines: the share of users (by a stable hash of their id, so a
   * user keeps one pipeline) served by the two-stage pipeline; the rest get the one-stage one.
   */
  recommendations: { batching: boolean; cache: boolean; productsDeadlineMs: number; twoStagePercent: number };
  /** How long the gateway waits for one subgraph fetch (connect to last byte) before its fields go null with SERVICE_UNAVAILABLE. */
  subgraphTimeoutMs: number;
  /** Subgraphs with a timeout of their own (GATEWAY_SUBGRAPH_TIMEOUT_MS__<NAME>, or the config file's `subgraphs:`). */
  subgraphTimeoutsMs: Partial<Record<SubgraphName, number>>;
  /**
   * SHUTDOWN_TIMEOUT_MS (default 12000): after SIGTERM, the longest a process spends closing before it
   * exits anyway, with code 1 and a log line (platform/shutdown.ts); under Kubernetes' 30 s grace period.
   */
  shutdownTimeoutMs: number;
  /** Folder laid out like Triton's model repository. */
  modelRepository: string;
  /** MODEL_KEEP_VERSIONS: versions no longer served that each publish keeps for rollback. */
  modelKeepVersions: number;
  /** HS256 secret for client JWTs. */
  jwtSecret: string;
  /** Optional JWKS URL for client JWTs (RS256/ES256 from an identity provider). */
  jwksUrl?: string;
  /** Secret the gateway signs forwarded claims with; subgraphs trust claims only with it. */
  internalSecret: string;
  /**
   * True when a secret in use is a development value: not configured (the built-in default), or
   * one that starts with DEV_SECRET_MARK (k8s/overlays/dev's example). NODE_ENV=production refuses both.
   */
  usingDevSecrets: boolean;
  host: string;
  ports: {
    gateway: number;
    users: number;
    products: number;
    orders: number;
    payments: number;
    recommendations: number;
    inference: number;
    inferenceGrpc: number;
  };
  /**
   * GATEWAY_METRICS_PORT: the gateway serves /metrics on a listener of its own on this port, and
   * not on its public one. Unset: 9464 when NODE_ENV=production; otherwise undefined, and /metrics
   * stays on the gateway's port (npm start binds 127.0.0.1).
   */
  gatewayMetricsPort: number | undefined;
  logLevel: string;
  /** Subscriptions one client connection may hold, and the gateway in total. */
  subscriptionLimits: { perConnection: number; total: number };
  /** What one GraphQL operation may ask of the gateway (HTTP and WebSocket alike). */
  queryLimits: QueryLimitsConfig;
  /** The user that development tokens (npm start's, the IDE's prefilled header) are minted for. */
  devUserId: string;
  /**
   * The browser IDE on GET /graphql: on unless NODE_ENV=production (GATEWAY_IDE=on|off decides).
   * Its headers start with a dev token only outside production.
   */
  ide: { enabled: boolean; prefillDevToken: boolean };
  /**
   * Whether the gateway answers introspection and "Did you mean …" suggestions: a map of the API
   * for anyone who asks. On unless NODE_ENV=production (GATEWAY_INTROSPECTION=on|off decides).
   */
  introspection: boolean;
  /**
   * Requests each client (user id from its token, else its IP) may make to the gateway per window:
   * HTTP requests to /graphql, WebSocket connection_inits and subscribe messages each cost one.
   * Shared through Redis when REDIS_URL is set, per process otherwise; a Redis decision slower
   * than redisTimeoutMs (or a Redis that is down) is taken in this process's memory instead.
   */
  rateLimit: { enabled: boolean; points: number; windowSeconds: number; redisTimeoutMs: number };
  /**
   * Whose X-Forwarded-For the gateway believes for a client's IP (express's 'trust proxy'):
   * false (nobody: the socket's peer is the client), true (every hop), a hop count, or addresses/subnets.
   */
  trustProxy: boolean | number | string[];
  /** graphql-ws limits: largest message, wait for connection_init, open sockets per client. */
  websocket: { maxPayloadBytes: number; connectionInitTimeoutMs: number; maxConnectionsPerClient: number };
  /**
   * Partner API keys as the gateway checks them with the users service: each answer (accepted or
   * refused) is remembered for cacheTtlMs, so a revoked key is refused within that long; a check
   * slower than lookupTimeoutMs answers 503.
   */
  partnerKeys: PartnerKeysConfig;
  /** How gateways learn of erased users: GATEWAY_ERASED_SUBJECTS_REFRESH_MS, GATEWAY_ERASED_SUBJECTS_TIMEOUT_MS. */
  erasedSubjects: ErasedSubjectsConfig;
  /** Partner webhook deliveries (subgraphs/users/webhooks). */
  webhooks: WebhookConfig;
  /** The audit log's retention (subgraphs/kit/audit). */
  audit: AuditConfig;
  /** The gateway's entity cache (gateway/plugins/subgraph-fetch/entity-cache): ENTITY_CACHE=on|off, ENTITY_CACHE_TTL_MS, ENTITY_CACHE_MAX_ENTRIES. */
  entityCache: EntityCacheConfig;
  /** GATEWAY_SINGLE_FETCH=on|off: single-fetch operations answered with the subgraph's data as is (gateway/plugins/plan/single-fetch.ts). */
  singleFetchAnswers: boolean;
  /** GATEWAY_DEDUPLICATE_FETCHES=on|off: identical subgraph fetches for clients' queries in flight at once sent once (gateway/plugins/subgraph-fetch/dedup). */
  deduplicateFetches: boolean;
  /** GATEWAY_METRICS_OPERATION_NAMES: distinct operation names labelled in the gateway's metrics (gateway/pipeline/metric-labels.ts). */
  metricsOperationNames: number;
  /** The inference server's own bounds (inference/server/in-flight.ts) and how often it looks for new models. */
  inference: InferenceServerConfig;
  /** How long unpaid orders hold stock and how much one buyer may hold (subgraphs/orders/reservations.ts). */
  orders: OrdersConfig;
  /** Personal data exports: how long an archive lives and how missing parts are retried (subgraphs/users/exports). */
  dataExport: DataExportConfig;
  /** Tracing (platform/telemetry): off unless an OTLP endpoint is configured. */
  telemetry: TelemetryConfig;
}

/**
 * Where spans go and which are kept (the standard OTEL_* variables). tracesUrl undefined: tracing
 * is off and the OpenTelemetry SDK is never loaded.
 */
export interface TelemetryConfig {
  tracesUrl?: string;
  /** Headers sent with every export (OTEL_EXPORTER_OTLP_HEADERS). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME: a one-service process's name, or the embedded process's own. */
  serviceName?: string;
  resourceAttributes: Record<string, string>;
  sampler: TraceSamplerName;
  /** The share of traces a ratio sampler keeps. */
  samplerRatio: number;
  /** What the gateway does with a client's `traceparent` (GATEWAY_CLIENT_TRACEPARENT). */
  clientTraceparent: ClientTracePolicy;
}

/** The traces URL: the signal-specific variable as is, else the base endpoint with the signal's path (the OTLP exporter specification). */
function tracesUrlOf(values: ReturnType<typeof defaultsOf<typeof telemetryOptions.options>>): string | undefined {
  if (values.OTEL_SDK_DISABLED) return undefined;
  if (values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = values.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

export function telemetryFrom(values: ReturnType<typeof defaultsOf<typeof telemetryOptions.options>>): TelemetryConfig {
  return {
    tracesUrl: tracesUrlOf(values),
    headers: values.OTEL_EXPORTER_OTLP_HEADERS ?? {},
    serviceName: values.OTEL_SERVICE_NAME,
    resourceAttributes: values.OTEL_RESOURCE_ATTRIBUTES ?? {},
    sampler: values.OTEL_TRACES_SAMPLER,
    samplerRatio: values.OTEL_TRACES_SAMPLER_ARG,
    clientTraceparent: values.GATEWAY_CLIENT_TRACEPARENT,
  };
}

/** Tracing off: what every config read from an empty environment has. */
export const TELEMETRY_DEFAULTS: TelemetryConfig = telemetryFrom(defaultsOf(telemetryOptions));

/**
 * maxInFlight (INFERENCE_MAX_IN_FLIGHT): infer requests the inference server holds at once, HTTP
 * and gRPC together, from before a body is read until the answer is sent; beyond it 429 /
 * RESOURCE_EXHAUSTED. 256 is the benchmark's most concurrent callers (bench/inference.ts; a
 * recommendations operation holds one request per model it asks, for milliseconds), and bounds the
 * bodies held to 256 × the largest valid request (request-limits.ts: 6.6–10.3 MiB for the exported
 * models on a 50,000-item catalogue; the subgraph's real requests are a few KiB).
 */
export interface InferenceServerConfig {
  maxInFlight: number;
  /** INFERENCE_POLL_INTERVAL_MS: how often the model repository is looked at for new versions. */
  pollIntervalMs: number;
}

/** The declared defaults of a feature, read from an empty environment. */
function defaultsOf<O extends Options>(feature: Feature<O>) {
  return readFeature(openReading({}, [feature]), feature).values;
}

const inferenceDefaults = defaultsOf(inferenceOptions);
export const INFERENCE_SERVER_DEFAULTS: InferenceServerConfig = {
  maxInFlight: inferenceDefaults.INFERENCE_MAX_IN_FLIGHT,
  pollIntervalMs: inferenceDefaults.INFERENCE_POLL_INTERVAL_MS,
};

/**
 * Stock held by unpaid orders: an order not paid (or, on the partner API, confirmed) within
 * reservationTtlSeconds is EXPIRED and its stock goes back; one buyer's unpaid orders may hold at
 * most maxUnpaidUnits units. Every replica sweeps due orders each sweepIntervalMs, sweepBatch at a time.
 */
export interface OrdersConfig {
  reservationTtlSeconds: number;
  maxUnpaidUnits: number;
  sweepIntervalMs: number;
  sweepBatch: number;
}

function ordersFrom(values: ReturnType<typeof defaultsOf<typeof orderOptions.options>>): OrdersConfig {
  return {
    reservationTtlSeconds: values.ORDERS_RESERVATION_TTL_SECONDS,
    maxUnpaidUnits: values.ORDERS_MAX_UNPAID_UNITS,
    sweepIntervalMs: values.ORDERS_EXPIRY_SWEEP_MS,
    sweepBatch: values.ORDERS_EXPIRY_BATCH,
  };
}

export const ORDERS_DEFAULTS: OrdersConfig = ordersFrom(defaultsOf(orderOptions));

/** Audit records older than retentionDays are pruned by a sweep every sweepIntervalMs (docs/privacy.md#audit-log). */
export interface AuditConfig {
  retentionDays: number;
  sweepIntervalMs: number;
}

function auditFrom(values: ReturnType<typeof defaultsOf<typeof auditOptions.options>>): AuditConfig {
  return { retentionDays: values.AUDIT_RETENTION_DAYS, sweepIntervalMs: values.AUDIT_SWEEP_MS };
}

export const AUDIT_DEFAULTS: AuditConfig = auditFrom(defaultsOf(auditOptions));

/**
 * Personal data exports: a READY archive may be downloaded once within ttlMs. A round that leaves
 * parts missing (their subgraph down) is retried after initialDelayMs, doubling up to maxDelayMs,
 * until retryWindowMs after the request; then the export is FAILED. Tests shorten these.
 */
export interface DataExportConfig {
  ttlMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  retryWindowMs: number;
  /** How long one subgraph may take to answer for its part. */
  partTimeoutMs: number;
  /** How long a worker's claim keeps other replicas off an export. */
  leaseMs: number;
  /** How often an idle worker looks for exports to produce. */
  pollMs: number;
}

function dataExportFrom(values: ReturnType<typeof defaultsOf<typeof dataExportOptions.options>>): DataExportConfig {
  return {
    ttlMs: values.PRIVACY_EXPORT_TTL_HOURS * 3600_000,
    initialDelayMs: values.PRIVACY_EXPORT_RETRY_INITIAL_MS,
    maxDelayMs: values.PRIVACY_EXPORT_RETRY_MAX_MS,
    retryWindowMs: values.PRIVACY_EXPORT_RETRY_WINDOW_MS,
    partTimeoutMs: values.PRIVACY_EXPORT_PART_TIMEOUT_MS,
    leaseMs: values.PRIVACY_EXPORT_LEASE_MS,
    pollMs: values.PRIVACY_EXPORT_POLL_MS,
  };
}

export const DATA_EXPORT_DEFAULTS: DataExportConfig = dataExportFrom(defaultsOf(dataExportOptions));

/**
 * Subgraph answers the schema tags cacheable, shared between viewers: in Redis when REDIS_URL is
 * set, else in a bounded LRU of maxEntries. Entries go when the subgraph announces a change to what
 * they hold; ttlMs bounds how long one lives when no announcement reaches the gateway.
 */
export interface EntityCacheConfig {
  enabled: boolean;
  ttlMs: number;
  maxEntries: number;
  /** Subgraphs whose entries live longer or shorter than ttlMs (ENTITY_CACHE_TTL_MS__<NAME>). */
  ttlMsBySubgraph?: Partial<Record<SubgraphName, number>>;
}

const entityCacheDefaults = defaultsOf(entityCacheOptions);
export const ENTITY_CACHE_DEFAULTS: EntityCacheConfig = {
  enabled: entityCacheDefaults.ENTITY_CACHE,
  ttlMs: entityCacheDefaults.ENTITY_CACHE_TTL_MS,
  maxEntries: entityCacheDefaults.ENTITY_CACHE_MAX_ENTRIES,
};

export interface PartnerKeysConfig {
  cacheTtlMs: number;
  lookupTimeoutMs: number;
  /** Lookups of keys that turn out not valid, per client address per minute; 429 beyond, before any lookup. */
  lookupsPerMinute: number;
  /** Key lookups in flight at once per gateway process; 503 beyond, at once. */
  maxConcurrentLookups: number;
}

function partnerKeysFrom(values: ReturnType<typeof defaultsOf<typeof partnerKeyOptions.options>>): PartnerKeysConfig {
  return {
    cacheTtlMs: values.PARTNER_KEY_CACHE_TTL_MS,
    lookupTimeoutMs: values.PARTNER_KEY_LOOKUP_TIMEOUT_MS,
    lookupsPerMinute: values.PARTNER_KEY_LOOKUPS_PER_MINUTE,
    maxConcurrentLookups: values.PARTNER_KEY_MAX_CONCURRENT_LOOKUPS,
  };
}

export const PARTNER_KEYS_DEFAULTS: PartnerKeysConfig = partnerKeysFrom(defaultsOf(partnerKeyOptions));

/** How a gateway keeps its list of erased users (gateway/plugins/http/auth/erased-subjects.ts). */
export interface ErasedSubjectsConfig {
  /** How often it asks the users subgraph for users erased since its last answer. */
  refreshMs: number;
  /** How long one question may take. */
  timeoutMs: number;
}

function erasedSubjectsFrom(values: ReturnType<typeof defaultsOf<typeof erasureOptions.options>>): ErasedSubjectsConfig {
  return { refreshMs: values.GATEWAY_ERASED_SUBJECTS_REFRESH_MS, timeoutMs: values.GATEWAY_ERASED_SUBJECTS_TIMEOUT_MS };
}

export const ERASED_SUBJECTS_DEFAULTS: ErasedSubjectsConfig = erasedSubjectsFrom(defaultsOf(erasureOptions));

/**
 * How partner webhooks are delivered: a failed POST is retried after `initialDelayMs`, doubling
 * up to `maxDelayMs` (with jitter), until `retryWindowMs` after the first attempt; then the
 * delivery is dead-lettered. Tests shorten every one of these to milliseconds.
 */
export interface WebhookConfig {
  /** Only https URLs may be registered (NODE_ENV=production); http too otherwise, for local receivers. */
  httpsOnly: boolean;
  /** Delay after the first failed attempt. */
  initialDelayMs: number;
  /** Longest delay between attempts. */
  maxDelayMs: number;
  /** How long after the first attempt a delivery is retried before it is dead-lettered. */
  retryWindowMs: number;
  /** How long one POST may take (connect to the last byte of the answer). */
  timeoutMs: number;
  /** How long a worker's claim keeps other replicas off a delivery; more than timeoutMs. */
  leaseMs: number;
  /** How often an idle worker looks for due deliveries. */
  pollMs: number;
  /** Deliveries in flight per worker (and so claimed at most per round trip). */
  batchSize: number;
  /** Deliveries to one endpoint in flight per worker: a slow endpoint holds up only its own. */
  concurrencyPerEndpoint: number;
  /**
   * Deliver to loopback, private, link-local, unique-local and other non-public addresses too
   * (WEBHOOK_ALLOW_PRIVATE_DESTINATIONS=true: tests, a receiver on a developer's machine). Off,
   * such a URL is refused at registration and every delivery to one fails without a connection.
   */
  allowPrivateDestinations: boolean;
}

function webhooksFrom(values: ReturnType<typeof defaultsOf<typeof webhookOptions.options>>, production: boolean): WebhookConfig {
  return {
    httpsOnly: production,
    initialDelayMs: values.WEBHOOK_INITIAL_DELAY_MS,
    maxDelayMs: values.WEBHOOK_MAX_DELAY_MS,
    retryWindowMs: values.WEBHOOK_RETRY_WINDOW_MS,
    timeoutMs: values.WEBHOOK_TIMEOUT_MS,
    leaseMs: values.WEBHOOK_LEASE_MS,
    pollMs: values.WEBHOOK_POLL_MS,
    batchSize: values.WEBHOOK_BATCH_SIZE,
    concurrencyPerEndpoint: values.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
    // No other setting (NODE_ENV included) opens private destinations.
    allowPrivateDestinations: values.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS,
  };
}

export const WEBHOOK_DEFAULTS: WebhookConfig = webhooksFrom(defaultsOf(webhookOptions), false);

/**
 * Limits on one operation, checked before anything executes. `enabled: false`
 * (GATEWAY_QUERY_LIMITS=off) drops them all, for benchmarks and incidents.
 */
export interface QueryLimitsConfig {
  enabled: boolean;
  /** Lexical tokens in the document; counted while parsing, which stops at the first one over. */
  tokens: number;
  /** Nesting of fields (fragments flattened; introspection's __schema not counted). */
  depth: number;
  /** Aliased fields, fragments included (`__typename` aliases are free). */
  aliases: number;
  /** Directives, fragments included. */
  directives: number;
  /** Estimated cost of one operation: each field 1 plus what it selects, times the size of its list (gateway/plugins/operation/query-limits/cost.ts). */
  cost: number;
  /** Items the cost counts for a list that no argument and no `@listSize` sizes. */
  listSize: number;
  /**
   * Bytes each memo of cost verdicts (the limits', the partner budget's) may hold, keys and verdicts
   * counted; least recently used verdicts go first. Not a limit on clients: a forgotten verdict is walked again.
   */
  costMemoBytes: number;
}

function queryLimitsFrom(values: ReturnType<typeof defaultsOf<typeof queryLimitOptions.options>>): QueryLimitsConfig {
  return {
    enabled: values.GATEWAY_QUERY_LIMITS,
    tokens: values.GATEWAY_MAX_TOKENS,
    depth: values.GATEWAY_MAX_DEPTH,
    aliases: values.GATEWAY_MAX_ALIASES,
    directives: values.GATEWAY_MAX_DIRECTIVES,
    cost: values.GATEWAY_MAX_COST,
    listSize: values.GATEWAY_COST_LIST_SIZE,
    costMemoBytes: values.GATEWAY_COST_MEMO_BYTES,
  };
}

export const DEFAULT_QUERY_LIMITS: QueryLimitsConfig = queryLimitsFrom(defaultsOf(queryLimitOptions));

function rateLimitFrom(values: ReturnType<typeof defaultsOf<typeof rateLimitOptions.options>>) {
  return {
    enabled: values.GATEWAY_RATE_LIMIT,
    points: values.GATEWAY_RATE_LIMIT_POINTS,
    windowSeconds: values.GATEWAY_RATE_LIMIT_WINDOW_S,
    redisTimeoutMs: values.GATEWAY_RATE_LIMIT_REDIS_TIMEOUT_MS,
  };
}

export const RATE_LIMIT_DEFAULTS: Readonly<PlatformConfig['rateLimit']> = rateLimitFrom(defaultsOf(rateLimitOptions));

function websocketFrom(values: ReturnType<typeof defaultsOf<typeof websocketOptions.options>>) {
  return {
    maxPayloadBytes: values.GATEWAY_WS_MAX_PAYLOAD_BYTES,
    connectionInitTimeoutMs: values.GATEWAY_WS_INIT_TIMEOUT_MS,
    maxConnectionsPerClient: values.GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT,
  };
}

export const WEBSOCKET_DEFAULTS: Readonly<PlatformConfig['websocket']> = websocketFrom(defaultsOf(websocketOptions));

/** How a development secret is marked: the defaults below and k8s/overlays/dev/secrets.env.example start with it. */
export const DEV_SECRET_MARK = 'dev-only';
const DEV_JWT_SECRET = `${DEV_SECRET_MARK}-jwt-secret-change-me-in-production`;
const DEV_INTERNAL_SECRET = `${DEV_SECRET_MARK}-internal-secret-change-me-in-production`;

/** Opens the environment and CONFIG_FILE with every declared option and the subgraphs' names. */
export function openConfigReading(env: NodeJS.ProcessEnv = process.env): Reading {
  return openReading(env, FEATURES, { subgraphs: SUBGRAPH_NAMES });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const reading = openConfigReading(env);
  const read = <O extends Options>(feature: Feature<O>) => readFeature(reading, feature);
  const { values: proc } = read(processOptions);
  const { values: backends } = read(backendOptions);
  const { values: secrets } = read(secretOptions);
  const { values: services } = read(serviceOptions);
  const gateway = read(gatewayOptions);
  const entityCache = read(entityCacheOptions);
  const { values: recommendations } = read(recommendationOptions);
  const { values: inference } = read(inferenceOptions);

  const production = proc.NODE_ENV === 'production';
  const jwtSecret = secrets.JWT_SECRET;
  const internalSecret = secrets.INTERNAL_SECRET;
  if (production && !jwtSecret && !secrets.JWKS_URL) {
    throw new Error('JWT_SECRET or JWKS_URL must be set when NODE_ENV=production');
  }
  if (production && !internalSecret) {
    throw new Error('INTERNAL_SECRET must be set when NODE_ENV=production');
  }
  // Unset means the built-in development value.
  const devSecret = (value: string | undefined) => value === undefined || value.startsWith(DEV_SECRET_MARK);
  // A development value is refused like a missing one: a dev Secret applied to production must not start.
  for (const [name, value] of [
    ['JWT_SECRET', jwtSecret],
    ['INTERNAL_SECRET', internalSecret],
  ] as const) {
    if (production && value !== undefined && devSecret(value)) {
      throw new Error(`${name} is a development value ("${DEV_SECRET_MARK}…"); set a real secret when NODE_ENV=production`);
    }
  }
  const ports = {
    gateway: services.GATEWAY_PORT,
    users: services.USERS_PORT,
    products: services.PRODUCTS_PORT,
    orders: services.ORDERS_PORT,
    payments: services.PAYMENTS_PORT,
    recommendations: services.RECOMMENDATIONS_PORT,
    inference: services.INFERENCE_PORT,
    /** The inference server's Open Inference Protocol over gRPC (Triton's default port too). */
    inferenceGrpc: services.INFERENCE_GRPC_PORT,
  };
  const subgraphUrls: Partial<Record<SubgraphName, string>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const url = services[`${name.toUpperCase()}_URL` as `${Uppercase<SubgraphName>}_URL`];
    if (url !== undefined) subgraphUrls[name] = url;
  }
  const dataDir = path.resolve(proc.DATA_DIR);
  return {
    databaseUrl: backends.DATABASE_URL,
    dataDir,
    redisUrl: backends.REDIS_URL,
    redisNamespace: backends.REDIS_NAMESPACE,
    subgraphUrls,
    inferenceUrl: services.INFERENCE_URL ?? `http://127.0.0.1:${ports.inference}`,
    inferenceDeadlineMs: recommendations.INFERENCE_DEADLINE_MS,
    recommendations: {
      batching: recommendations.RECOMMENDATIONS_BATCHING,
      cache: recommendations.RECOMMENDATIONS_CACHE,
      productsDeadlineMs: recommendations.RECOMMENDATIONS_PRODUCTS_DEADLINE_MS,
      twoStagePercent: recommendations.RECOMMENDATIONS_TWO_STAGE_PERCENT,
    },
    subgraphTimeoutMs: gateway.values.GATEWAY_SUBGRAPH_TIMEOUT_MS,
    subgraphTimeoutsMs: gateway.perSubgraph.GATEWAY_SUBGRAPH_TIMEOUT_MS ?? {},
    shutdownTimeoutMs: proc.SHUTDOWN_TIMEOUT_MS,
    modelRepository: path.resolve(inference.MODEL_REPOSITORY ?? path.join(dataDir, 'models')),
    modelKeepVersions: inference.MODEL_KEEP_VERSIONS,
    jwtSecret: jwtSecret ?? DEV_JWT_SECRET,
    jwksUrl: secrets.JWKS_URL,
    internalSecret: internalSecret ?? DEV_INTERNAL_SECRET,
    // With JWKS_URL the JWT secret is not used to verify anything.
    usingDevSecrets: (devSecret(jwtSecret) && !secrets.JWKS_URL) || devSecret(internalSecret),
    host: proc.HOST,
    ports,
    gatewayMetricsPort: services.GATEWAY_METRICS_PORT ?? (production ? 9464 : undefined),
    logLevel: proc.LOG_LEVEL ?? (proc.NODE_ENV === 'test' ? 'silent' : 'info'),
    subscriptionLimits: {
      perConnection: gateway.values.GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      total: gateway.values.GATEWAY_MAX_SUBSCRIPTIONS,
    },
    queryLimits: queryLimitsFrom(read(queryLimitOptions).values),
    devUserId: proc.DEV_USER_ID,
    ide: { enabled: gateway.values.GATEWAY_IDE ?? !production, prefillDevToken: !production },
    introspection: gateway.values.GATEWAY_INTROSPECTION ?? !production,
    rateLimit: rateLimitFrom(read(rateLimitOptions).values),
    trustProxy: gateway.values.GATEWAY_TRUST_PROXY,
    websocket: websocketFrom(read(websocketOptions).values),
    partnerKeys: partnerKeysFrom(read(partnerKeyOptions).values),
    erasedSubjects: erasedSubjectsFrom(read(erasureOptions).values),
    webhooks: webhooksFrom(read(webhookOptions).values, production),
    audit: auditFrom(read(auditOptions).values),
    entityCache: {
      enabled: entityCache.values.ENTITY_CACHE,
      ttlMs: entityCache.values.ENTITY_CACHE_TTL_MS,
      maxEntries: entityCache.values.ENTITY_CACHE_MAX_ENTRIES,
      ttlMsBySubgraph: entityCache.perSubgraph.ENTITY_CACHE_TTL_MS ?? {},
    },
    singleFetchAnswers: gateway.values.GATEWAY_SINGLE_FETCH,
    deduplicateFetches: gateway.values.GATEWAY_DEDUPLICATE_FETCHES,
    metricsOperationNames: gateway.values.GATEWAY_METRICS_OPERATION_NAMES,
    inference: { maxInFlight: inference.INFERENCE_MAX_IN_FLIGHT, pollIntervalMs: inference.INFERENCE_POLL_INTERVAL_MS },
    orders: ordersFrom(read(orderOptions).values),
    dataExport: dataExportFrom(read(dataExportOptions).values),
    telemetry: telemetryFrom(read(telemetryOptions).values),
  };
}
