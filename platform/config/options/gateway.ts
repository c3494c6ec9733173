/** The gateway: subgraph fetches, subscriptions, the IDE, what it believes of proxies. */
import { z } from 'zod';
import { declareOptions, option, parseSwitch } from '../option';

/** off/on (any switch word), a hop count, or a comma-separated list of addresses, subnets or express's names (loopback, uniquelocal). */
function parseTrustProxy(text: string): boolean | number | string[] {
  if (/^\d+$/.test(text)) return Number(text) === 0 ? false : Number(text);
  try {
    return parseSwitch(text);
  } catch {
    return text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  }
}

export const gatewayOptions = declareOptions('Gateway', {
  GATEWAY_SUBGRAPH_TIMEOUT_MS: option.int({
    default: 30_000,
    perSubgraph: true,
    description: 'The most one subgraph fetch may take (connect to last byte) before its fields answer null with `SERVICE_UNAVAILABLE`.',
  }),
  GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION: option.int({ default: 50, description: 'Subscriptions one client connection may hold.' }),
  GATEWAY_MAX_SUBSCRIPTIONS: option.int({ default: 10_000, description: 'Subscriptions the gateway holds in total.' }),
  GATEWAY_IDE: option.switch({
    defaultText: 'on; off when `NODE_ENV=production`',
    description: 'The GraphiQL IDE on `GET /graphql` from a browser (its headers start with a dev token outside production only).',
  }),
  GATEWAY_INTROSPECTION: option.switch({
    defaultText: 'on; off when `NODE_ENV=production`',
    description: 'Introspection and "Did you mean …" suggestions (off, they stop strangers reading the schema).',
  }),
  GATEWAY_TRUST_PROXY: option.custom(
    'switch, hop count or address list',
    z.union([z.boolean(), z.number().int().min(0), z.array(z.string())]),
    parseTrustProxy,
    {
      default: false,
      description:
        'Whose `X-Forwarded-For` gives the client IP: `on` (every hop), a hop count, or addresses/subnets (`loopback, 10.0.0.0/8`).',
    },
  ),
  GATEWAY_SINGLE_FETCH: option.switch({
    default: true,
    description: "Single-fetch operations answered with the subgraph's data as is; off, they go through Apollo's executor too.",
  }),
  GATEWAY_DEDUPLICATE_FETCHES: option.switch({
    default: true,
    description:
      "Identical subgraph fetches for clients' queries in flight at once (same subgraph, body, viewer and headers) are sent once and each waiter gets its own copy of the answer; never mutations or subscriptions.",
  }),
  GATEWAY_METRICS_OPERATION_NAMES: option.int({
    default: 100,
    max: 10_000,
    maxReason: 'each name adds a series per histogram bucket',
    description:
      'Distinct operation names the gateway labels its metrics with (per process); unnamed operations count as `anonymous`, names past this as `other`.',
  }),
  APOLLO_TELEMETRY_DISABLED: option.string({
    defaultText: '`true` (set by the gateway)',
    description: '`@apollo/gateway` sends usage data to Apollo unless this is true; the gateway sets it unless you set `false` to opt in.',
  }),
});

/**
 * graphql-js's own validation recurses once per level of a chain of fragments (NoFragmentCyclesRule)
 * and overflows the stack at a few thousand levels (a 500). A chain costs about 7 tokens per
 * level, so a token limit of at most 10,000 keeps every admitted document well clear of that.
 */
export const MAX_QUERY_TOKENS = 10_000;

export const queryLimitOptions = declareOptions('Query limits', {
  GATEWAY_QUERY_LIMITS: option.switch({ default: true, description: '`off` drops every query limit below (benchmarks, incidents).' }),
  GATEWAY_MAX_TOKENS: option.int({
    default: 1000,
    max: MAX_QUERY_TOKENS,
    maxReason: "deeper fragment chains overflow graphql's validation",
    description: 'Lexical tokens in one document; parsing stops at the first one over.',
  }),
  GATEWAY_MAX_DEPTH: option.int({
    default: 15,
    description: "Nesting of fields (fragments flattened; introspection's `__schema` not counted).",
  }),
  GATEWAY_MAX_ALIASES: option.int({ default: 15, description: 'Aliased fields, fragments included (`__typename` aliases are free).' }),
  GATEWAY_MAX_DIRECTIVES: option.int({ default: 50, description: 'Directives, fragments included.' }),
  GATEWAY_MAX_COST: option.int({
    default: 50_000,
    description:
      'Estimated cost of one operation: each field 1 plus what it selects, times the size of its list (docs/operations.md, Query limits).',
  }),
  // About the fan-out of a relationship list in the data we know: an order's lines (1 to 4 in the
  // seed), the public federation benchmark's lists (2 to 6 a list). 10 made each level of nesting
  // count twice to five times its real size, so a 4-level query's estimate was 64× its real work.
  GATEWAY_COST_LIST_SIZE: option.int({
    default: 5,
    description:
      'Items the cost counts for a list that neither an argument (`first`/`last`, a `@listSize` slicing argument) nor the schema (`@listSize(assumedSize:)`) sizes.',
  }),
  GATEWAY_COST_MEMO_BYTES: option.int({
    default: 1024 * 1024,
    description: "Bytes each memo of cost verdicts (the limits', the partner budget's) may hold; least recently used go first.",
  }),
});

export const rateLimitOptions = declareOptions('Rate limit', {
  GATEWAY_RATE_LIMIT: option.switch({ default: true, description: "`off` turns the gateway's per-client rate limit off." }),
  // 100 requests a second on average per client: far above an app or dashboard, far below a flood.
  GATEWAY_RATE_LIMIT_POINTS: option.int({
    default: 6000,
    description:
      'Requests each client (user id, else IP) may make per window (HTTP requests, WebSocket connection_inits and subscribes); shared through Redis when `REDIS_URL` is set.',
  }),
  GATEWAY_RATE_LIMIT_WINDOW_S: option.int({ default: 60, description: 'The rate-limit window.' }),
  GATEWAY_RATE_LIMIT_REDIS_TIMEOUT_MS: option.int({
    default: 500,
    description: "A Redis rate-limit decision slower than this (or a Redis that is down) is taken in the replica's memory instead.",
  }),
});

export const websocketOptions = declareOptions('WebSocket', {
  // 64 KiB holds any real operation; ws's own default (100 MiB) let one frame cost 100 MiB of memory.
  GATEWAY_WS_MAX_PAYLOAD_BYTES: option.int({ default: 64 * 1024, description: 'Largest graphql-ws message.' }),
  GATEWAY_WS_INIT_TIMEOUT_MS: option.int({ default: 3000, description: 'How long a socket may wait before `connection_init`.' }),
  // 2000 sockets per client leaves room for bench/fanout.ts, which opens 1000 with one token.
  GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: option.int({ default: 2000, description: 'Open sockets per client.' }),
});

export const entityCacheOptions = declareOptions('Entity cache', {
  ENTITY_CACHE: option.switch({
    default: true,
    description: "The gateway's cache of subgraph answers the schema tags cacheable: in Redis with `REDIS_URL`, else in process.",
  }),
  ENTITY_CACHE_TTL_MS: option.int({
    default: 30_000,
    perSubgraph: true,
    description: 'Longest an entry lives when no change announcement reaches the gateway.',
  }),
  ENTITY_CACHE_MAX_ENTRIES: option.int({ default: 10_000, description: 'Entries in the in-process store (no Redis).' }),
});

export const partnerKeyOptions = declareOptions('Partner keys', {
  PARTNER_KEY_CACHE_TTL_MS: option.int({
    default: 10_000,
    description: 'How long the gateway remembers a partner key check (accepted or refused): a revoked key is refused within it.',
  }),
  PARTNER_KEY_LOOKUP_TIMEOUT_MS: option.int({ default: 2_000, description: 'How long the gateway waits for one key check; then 503.' }),
  PARTNER_KEY_LOOKUPS_PER_MINUTE: option.int({
    default: 20,
    description: 'Lookups of keys that turn out not valid, per client address per minute; 429 beyond, before any lookup.',
  }),
  PARTNER_KEY_MAX_CONCURRENT_LOOKUPS: option.int({
    default: 16,
    description: 'Key lookups in flight at once per gateway process; 503 beyond.',
  }),
});
