/**
 * The one configuration loader. Every service reads its settings here, from the environment,
 * so that "unset" always means the embedded default (PGlite, in-process bus, local inference).
 */
import path from 'node:path';

export interface PlatformConfig {
  /** Postgres connection string; undefined selects embedded PGlite. */
  databaseUrl?: string;
  /** Directory that holds PGlite's files on the embedded default. */
  dataDir: string;
  /** Redis connection string; undefined selects the in-process event bus and caches. */
  redisUrl?: string;
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
  /**
   * SHUTDOWN_TIMEOUT_MS (default 12000): after SIGTERM, the longest a process spends closing before it
   * exits anyway, with code 1 and a log line (platform/shutdown.ts); under Kubernetes' 30 s grace period.
   */
  shutdownTimeoutMs: number;
  /** Folder laid out like Triton's model repository. */
  modelRepository: string;
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
  /** Partner webhook deliveries (subgraphs/users/webhooks). */
  webhooks: WebhookConfig;
  /** The gateway's entity cache (gateway/entity-cache): ENTITY_CACHE=on|off, ENTITY_CACHE_TTL_MS, ENTITY_CACHE_MAX_ENTRIES. */
  entityCache: EntityCacheConfig;
  /** GATEWAY_SINGLE_FETCH=on|off: single-fetch operations answered with the subgraph's data as is (gateway/single-fetch.ts). */
  singleFetchAnswers: boolean;
  /** The inference server's own bounds (inference/server/in-flight.ts). */
  inference: InferenceServerConfig;
  /** How long unpaid orders hold stock and how much one buyer may hold (subgraphs/orders/reservations.ts). */
  orders: OrdersConfig;
}

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
}

export const INFERENCE_SERVER_DEFAULTS: InferenceServerConfig = { maxInFlight: 256 };

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

export const ORDERS_DEFAULTS: OrdersConfig = { reservationTtlSeconds: 900, maxUnpaidUnits: 200, sweepIntervalMs: 5_000, sweepBatch: 100 };

/**
 * Subgraph answers the schema tags cacheable, shared between viewers: in Redis when REDIS_URL is
 * set, else in a bounded LRU of maxEntries. Entries go when the subgraph announces a change to what
 * they hold; ttlMs bounds how long one lives when no announcement reaches the gateway.
 */
export interface EntityCacheConfig {
  enabled: boolean;
  ttlMs: number;
  maxEntries: number;
}

export const ENTITY_CACHE_DEFAULTS: EntityCacheConfig = { enabled: true, ttlMs: 30_000, maxEntries: 10_000 };

export interface PartnerKeysConfig {
  cacheTtlMs: number;
  lookupTimeoutMs: number;
  /** Lookups of keys that turn out not valid, per client address per minute; 429 beyond, before any lookup. */
  lookupsPerMinute: number;
  /** Key lookups in flight at once per gateway process; 503 beyond, at once. */
  maxConcurrentLookups: number;
}

export const PARTNER_KEYS_DEFAULTS: PartnerKeysConfig = {
  cacheTtlMs: 10_000,
  lookupTimeoutMs: 2_000,
  lookupsPerMinute: 20,
  maxConcurrentLookups: 16,
};

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

export const WEBHOOK_DEFAULTS: WebhookConfig = {
  httpsOnly: false,
  initialDelayMs: 10_000,
  maxDelayMs: 3600_000,
  retryWindowMs: 24 * 3600_000,
  timeoutMs: 10_000,
  leaseMs: 60_000,
  pollMs: 1000,
  batchSize: 20,
  concurrencyPerEndpoint: 4,
  allowPrivateDestinations: false,
};

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
  /** Estimated cost: each field 1, times its `first`/`last`, lists without a size count as 10 (gateway/query-cost.ts). */
  cost: number;
  /**
   * Bytes each memo of cost verdicts (the limits', the partner budget's) may hold, keys and verdicts
   * counted; least recently used verdicts go first. Not a limit on clients: a forgotten verdict is walked again.
   */
  costMemoBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimitsConfig = {
  enabled: true,
  tokens: 1000,
  depth: 15,
  aliases: 15,
  directives: 50,
  cost: 50_000,
  costMemoBytes: 1024 * 1024,
};

/**
 * graphql-js's own validation recurses once per level of a chain of fragments (NoFragmentCyclesRule)
 * and overflows the stack at a few thousand levels (a 500). A chain costs about 7 tokens per
 * level, so a token limit of at most 10,000 keeps every admitted document well clear of that.
 */
export const MAX_QUERY_TOKENS = 10_000;

/** 100 requests a second on average per client: far above an app or dashboard, far below a flood. */
export const RATE_LIMIT_DEFAULTS = { enabled: true, points: 6000, windowSeconds: 60, redisTimeoutMs: 500 } as const;

/**
 * 64 KiB holds any real operation; ws's own default (100 MiB) let one frame cost 100 MiB of memory.
 * 2000 sockets per client leaves room for bench/fanout.ts, which opens 1000 with one token.
 */
export const WEBSOCKET_DEFAULTS = { maxPayloadBytes: 64 * 1024, connectionInitTimeoutMs: 3000, maxConnectionsPerClient: 2000 } as const;

/** How a development secret is marked: the defaults below and k8s/overlays/dev/secrets.env.example start with it. */
export const DEV_SECRET_MARK = 'dev-only';
const DEV_JWT_SECRET = `${DEV_SECRET_MARK}-jwt-secret-change-me-in-production`;
const DEV_INTERNAL_SECRET = `${DEV_SECRET_MARK}-internal-secret-change-me-in-production`;

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`);
  }
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** A whole percentage, 0 to 100. */
function percent(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 100) throw new Error(`${name} must be an integer from 0 to 100, got "${env[name]}"`);
  return value;
}

function queryLimits(env: NodeJS.ProcessEnv): QueryLimitsConfig {
  const tokens = positiveInt(env, 'GATEWAY_MAX_TOKENS', DEFAULT_QUERY_LIMITS.tokens);
  if (tokens > MAX_QUERY_TOKENS) {
    throw new Error(
      `GATEWAY_MAX_TOKENS must be at most ${MAX_QUERY_TOKENS} (deeper fragment chains overflow graphql's validation), got ${tokens}`,
    );
  }
  return {
    enabled: onOff(env, 'GATEWAY_QUERY_LIMITS', true),
    tokens,
    depth: positiveInt(env, 'GATEWAY_MAX_DEPTH', DEFAULT_QUERY_LIMITS.depth),
    aliases: positiveInt(env, 'GATEWAY_MAX_ALIASES', DEFAULT_QUERY_LIMITS.aliases),
    directives: positiveInt(env, 'GATEWAY_MAX_DIRECTIVES', DEFAULT_QUERY_LIMITS.directives),
    cost: positiveInt(env, 'GATEWAY_MAX_COST', DEFAULT_QUERY_LIMITS.cost),
    costMemoBytes: positiveInt(env, 'GATEWAY_COST_MEMO_BYTES', DEFAULT_QUERY_LIMITS.costMemoBytes),
  };
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new Error(`${name} must be on or off, got "${env[name]}"`);
}

/** GATEWAY_TRUST_PROXY: off/on, a hop count, or a comma-separated list of addresses, subnets or express's names (loopback, uniquelocal). */
function trustProxy(env: NodeJS.ProcessEnv, name: string): boolean | number | string[] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return false;
  const lower = raw.toLowerCase();
  if (lower === 'off' || lower === 'false' || lower === '0') return false;
  if (lower === 'on' || lower === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const production = env.NODE_ENV === 'production';
  const jwtSecret = optional(env, 'JWT_SECRET');
  const internalSecret = optional(env, 'INTERNAL_SECRET');
  if (production && !jwtSecret && !optional(env, 'JWKS_URL')) {
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
    gateway: port(env, 'GATEWAY_PORT', 4000),
    users: port(env, 'USERS_PORT', 4001),
    products: port(env, 'PRODUCTS_PORT', 4002),
    orders: port(env, 'ORDERS_PORT', 4003),
    payments: port(env, 'PAYMENTS_PORT', 4004),
    recommendations: port(env, 'RECOMMENDATIONS_PORT', 4005),
    inference: port(env, 'INFERENCE_PORT', 8000),
    /** The inference server's Open Inference Protocol over gRPC (Triton's default port too). */
    inferenceGrpc: port(env, 'INFERENCE_GRPC_PORT', 8001),
  };
  const dataDir = path.resolve(optional(env, 'DATA_DIR') ?? '.data');
  return {
    databaseUrl: optional(env, 'DATABASE_URL'),
    dataDir,
    redisUrl: optional(env, 'REDIS_URL'),
    inferenceUrl: optional(env, 'INFERENCE_URL') ?? `http://127.0.0.1:${ports.inference}`,
    inferenceDeadlineMs: positiveInt(env, 'INFERENCE_DEADLINE_MS', 500),
    recommendations: {
      batching: env.RECOMMENDATIONS_BATCHING !== 'off',
      cache: env.RECOMMENDATIONS_CACHE !== 'off',
      productsDeadlineMs: positiveInt(env, 'RECOMMENDATIONS_PRODUCTS_DEADLINE_MS', 3_000),
      // The two-stage pipeline is the better one; lowering this runs the experiment against the one-stage one.
      twoStagePercent: percent(env, 'RECOMMENDATIONS_TWO_STAGE_PERCENT', 100),
    },
    subgraphTimeoutMs: positiveInt(env, 'GATEWAY_SUBGRAPH_TIMEOUT_MS', 30_000),
    shutdownTimeoutMs: positiveInt(env, 'SHUTDOWN_TIMEOUT_MS', 12_000),
    modelRepository: path.resolve(optional(env, 'MODEL_REPOSITORY') ?? path.join(dataDir, 'models')),
    jwtSecret: jwtSecret ?? DEV_JWT_SECRET,
    jwksUrl: optional(env, 'JWKS_URL'),
    internalSecret: internalSecret ?? DEV_INTERNAL_SECRET,
    // With JWKS_URL the JWT secret is not used to verify anything.
    usingDevSecrets: (devSecret(jwtSecret) && !optional(env, 'JWKS_URL')) || devSecret(internalSecret),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    ports,
    gatewayMetricsPort: env.GATEWAY_METRICS_PORT?.trim() ? port(env, 'GATEWAY_METRICS_PORT', 0) : production ? 9464 : undefined,
    logLevel: optional(env, 'LOG_LEVEL') ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    subscriptionLimits: {
      perConnection: positiveInt(env, 'GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50),
      total: positiveInt(env, 'GATEWAY_MAX_SUBSCRIPTIONS', 10_000),
    },
    queryLimits: queryLimits(env),
    devUserId: optional(env, 'DEV_USER_ID') ?? 'user-0001',
    ide: { enabled: onOff(env, 'GATEWAY_IDE', !production), prefillDevToken: !production },
    introspection: onOff(env, 'GATEWAY_INTROSPECTION', !production),
    rateLimit: {
      enabled: onOff(env, 'GATEWAY_RATE_LIMIT', true),
      points: positiveInt(env, 'GATEWAY_RATE_LIMIT_POINTS', RATE_LIMIT_DEFAULTS.points),
      windowSeconds: positiveInt(env, 'GATEWAY_RATE_LIMIT_WINDOW_S', RATE_LIMIT_DEFAULTS.windowSeconds),
      redisTimeoutMs: positiveInt(env, 'GATEWAY_RATE_LIMIT_REDIS_TIMEOUT_MS', RATE_LIMIT_DEFAULTS.redisTimeoutMs),
    },
    trustProxy: trustProxy(env, 'GATEWAY_TRUST_PROXY'),
    websocket: {
      maxPayloadBytes: positiveInt(env, 'GATEWAY_WS_MAX_PAYLOAD_BYTES', WEBSOCKET_DEFAULTS.maxPayloadBytes),
      connectionInitTimeoutMs: positiveInt(env, 'GATEWAY_WS_INIT_TIMEOUT_MS', WEBSOCKET_DEFAULTS.connectionInitTimeoutMs),
      maxConnectionsPerClient: positiveInt(env, 'GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT', WEBSOCKET_DEFAULTS.maxConnectionsPerClient),
    },
    partnerKeys: {
      cacheTtlMs: positiveInt(env, 'PARTNER_KEY_CACHE_TTL_MS', PARTNER_KEYS_DEFAULTS.cacheTtlMs),
      lookupTimeoutMs: positiveInt(env, 'PARTNER_KEY_LOOKUP_TIMEOUT_MS', PARTNER_KEYS_DEFAULTS.lookupTimeoutMs),
      lookupsPerMinute: positiveInt(env, 'PARTNER_KEY_LOOKUPS_PER_MINUTE', PARTNER_KEYS_DEFAULTS.lookupsPerMinute),
      maxConcurrentLookups: positiveInt(env, 'PARTNER_KEY_MAX_CONCURRENT_LOOKUPS', PARTNER_KEYS_DEFAULTS.maxConcurrentLookups),
    },
    webhooks: {
      httpsOnly: production,
      initialDelayMs: positiveInt(env, 'WEBHOOK_INITIAL_DELAY_MS', WEBHOOK_DEFAULTS.initialDelayMs),
      maxDelayMs: positiveInt(env, 'WEBHOOK_MAX_DELAY_MS', WEBHOOK_DEFAULTS.maxDelayMs),
      retryWindowMs: positiveInt(env, 'WEBHOOK_RETRY_WINDOW_MS', WEBHOOK_DEFAULTS.retryWindowMs),
      timeoutMs: positiveInt(env, 'WEBHOOK_TIMEOUT_MS', WEBHOOK_DEFAULTS.timeoutMs),
      leaseMs: positiveInt(env, 'WEBHOOK_LEASE_MS', WEBHOOK_DEFAULTS.leaseMs),
      pollMs: positiveInt(env, 'WEBHOOK_POLL_MS', WEBHOOK_DEFAULTS.pollMs),
      batchSize: positiveInt(env, 'WEBHOOK_BATCH_SIZE', WEBHOOK_DEFAULTS.batchSize),
      concurrencyPerEndpoint: positiveInt(env, 'WEBHOOK_CONCURRENCY_PER_ENDPOINT', WEBHOOK_DEFAULTS.concurrencyPerEndpoint),
      // Only the exact word: no other value, and no other setting (NODE_ENV included), opens private destinations.
      allowPrivateDestinations: env.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS?.trim() === 'true',
    },
    entityCache: {
      enabled: onOff(env, 'ENTITY_CACHE', ENTITY_CACHE_DEFAULTS.enabled),
      ttlMs: positiveInt(env, 'ENTITY_CACHE_TTL_MS', ENTITY_CACHE_DEFAULTS.ttlMs),
      maxEntries: positiveInt(env, 'ENTITY_CACHE_MAX_ENTRIES', ENTITY_CACHE_DEFAULTS.maxEntries),
    },
    singleFetchAnswers: onOff(env, 'GATEWAY_SINGLE_FETCH', true),
    inference: { maxInFlight: positiveInt(env, 'INFERENCE_MAX_IN_FLIGHT', INFERENCE_SERVER_DEFAULTS.maxInFlight) },
    orders: {
      reservationTtlSeconds: positiveInt(env, 'ORDERS_RESERVATION_TTL_SECONDS', ORDERS_DEFAULTS.reservationTtlSeconds),
      maxUnpaidUnits: positiveInt(env, 'ORDERS_MAX_UNPAID_UNITS', ORDERS_DEFAULTS.maxUnpaidUnits),
      sweepIntervalMs: positiveInt(env, 'ORDERS_EXPIRY_SWEEP_MS', ORDERS_DEFAULTS.sweepIntervalMs),
      sweepBatch: positiveInt(env, 'ORDERS_EXPIRY_BATCH', ORDERS_DEFAULTS.sweepBatch),
    },
  };
}
