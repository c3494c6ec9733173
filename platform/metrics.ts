/**
 * The one Prometheus registry of this process. In the embedded default every service shares the
 * process, so each metric carries a `service` label instead of living in a registry of its own.
 * /metrics serves it as Prometheus text, or as OpenMetrics with exemplars when the scraper asks
 * for that (./metrics-exposition.ts).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type HistogramConfiguration, type LabelValues } from 'prom-client';
import type { Span } from '@opentelemetry/api';
import { traceExemplar } from './trace-exemplar';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** A latency histogram whose observations carry the trace they were measured in as an exemplar. */
export interface LatencyHistogram<T extends string> {
  /** The histogram itself, as registered (tests read it with get()). */
  readonly histogram: Histogram<T>;
  /** `span`: the span the duration was measured in, where it is not the active one. */
  observe(labels: LabelValues<T>, seconds: number, span?: Span): void;
}

/**
 * A histogram of durations on the one registry, with trace-id exemplars (./trace-exemplar.ts).
 * prom-client refuses exemplars on a metric registered with a Prometheus-text registry, though
 * that registry ignores them when it writes text: so the histogram is made unregistered and then
 * registered, and the registry stays the text one every parser of /metrics reads.
 */
export function latencyHistogram<T extends string>(
  config: Omit<HistogramConfiguration<T>, 'registers' | 'enableExemplars'>,
): LatencyHistogram<T> {
  const histogram = new Histogram<T>({ ...config, registers: [], enableExemplars: true });
  registry.registerMetric(histogram);
  return {
    histogram,
    observe: (labels, seconds, span) =>
      histogram.observe({ labels, value: seconds, exemplarLabels: traceExemplar(span) as LabelValues<T> }),
  };
}

export const httpRequestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by service, route and status code',
  labelNames: ['service', 'method', 'route', 'status'] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const graphqlErrors = new Counter({
  name: 'graphql_errors_total',
  help: 'GraphQL errors returned, by service and error code',
  labelNames: ['service', 'code'] as const,
  registers: [registry],
});

export const dbQueries = new Counter({
  name: 'db_queries_total',
  help: "SQL statements sent to the database by a service's requests (prisma/database.ts), by service",
  labelNames: ['service'] as const,
  registers: [registry],
});

export const dbStatementDuration = latencyHistogram({
  name: 'db_statement_duration_seconds',
  help: "SQL statements sent to the database by a service's requests, by service: the time each took as the client saw it",
  labelNames: ['service'] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export const clientSubscriptions = new Gauge({
  name: 'gateway_subscriptions_active',
  help: 'Client subscriptions open on this gateway',
  registers: [registry],
});

export const upstreamSubscriptions = new Gauge({
  name: 'gateway_upstream_subscriptions_active',
  help: 'Subscriptions this gateway holds open to subgraphs (after deduplication)',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const upstreamSubscriptionsOpened = new Counter({
  name: 'gateway_upstream_subscriptions_opened_total',
  help: 'Subscriptions this gateway opened to subgraphs (after deduplication)',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const subscriptionEvents = new Counter({
  name: 'gateway_subscription_events_total',
  help: 'Subgraph subscription events received and completed by the gateway',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const eventsHandled = new Counter({
  name: 'events_handled_total',
  help: 'Domain events consumers handled (processed) or recognised as redelivered (duplicate), by consumer and type',
  labelNames: ['consumer', 'type', 'outcome'] as const,
  registers: [registry],
});

export const broadcastListenerErrors = new Counter({
  name: 'broadcast_listener_errors_total',
  help: 'Broadcast listeners that threw on a message or a gap (the other listeners were still called), by channel and kind',
  labelNames: ['channel', 'kind'] as const,
  registers: [registry],
});

export const broadcastPublishDropped = new Counter({
  name: 'broadcast_publish_dropped_total',
  help: 'Broadcast messages dropped because Redis was unreachable when they were published, by channel',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const broadcastGaps = new Counter({
  name: 'broadcast_gaps_total',
  help: 'Times the subscribers of a channel were told messages may have been missed (reconnect, dropped or unreadable message), by channel',
  labelNames: ['channel'] as const,
  registers: [registry],
});

export const queryLimitRejections = new Counter({
  name: 'gateway_query_limit_rejections_total',
  help: 'Operations the gateway refused before executing them, by the limit they exceeded (tokens, depth, aliases, directives, fragments, cost)',
  labelNames: ['limit'] as const,
  registers: [registry],
});

/**
 * What an operator sets GATEWAY_MAX_COST from (docs/operations.md, Query limits): the estimated cost of
 * each operation the limit admitted. An operation's cost depends only on its document and size
 * variables, so `_sum / _count` per operation is its cost where its sizes do not vary.
 */
export const operationCostEstimate = new Histogram({
  name: 'gateway_operation_cost',
  help: 'Estimated cost (gateway/plugins/operation/query-limits/cost.ts) of the queries and mutations the cost limit admitted, by operation name (capped; "anonymous" unnamed)',
  labelNames: ['operation'] as const,
  buckets: [10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000, 1_000_000],
  registers: [registry],
});

export const rateLimitRejections = new Counter({
  name: 'gateway_rate_limited_total',
  help: 'Requests the gateway refused because the client was over its rate limit, by transport (http, websocket)',
  labelNames: ['transport'] as const,
  registers: [registry],
});

export const websocketRefusals = new Counter({
  name: 'gateway_websocket_refused_total',
  help: 'WebSocket connections the gateway closed for breaking a limit, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const subgraphUnavailable = new Counter({
  name: 'gateway_subgraph_unavailable_total',
  help: 'Subgraph fetches that failed as unavailable (their fields answered null with SERVICE_UNAVAILABLE), by subgraph and reason',
  labelNames: ['subgraph', 'reason'] as const,
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: 'partner_webhook_deliveries_total',
  help: 'Partner webhook POSTs by outcome: delivered (2xx), failed (retried later) or dead_lettered (retry window over)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const dataExports = new Counter({
  name: 'privacy_data_exports_total',
  help: 'Personal data exports by outcome: ready (archive assembled), failed (a part still missing when the retry window ended), downloaded, expired (not downloaded in time)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const dataExportDuration = new Histogram({
  name: 'privacy_data_export_duration_seconds',
  help: 'Time from a data export request to its archive being ready (retries of a subgraph that was down included)',
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 72 * 3600],
  registers: [registry],
});

export const dataExportPartFailures = new Counter({
  name: 'privacy_data_export_part_failures_total',
  help: 'Data export parts a subgraph could not give in a collection round (retried later), by subgraph',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const partnerRequests = new Counter({
  name: 'partner_requests_total',
  help: 'Requests to the partner API by partner (name; "unknown" without a valid key), operation name (capped; "anonymous" unnamed, "unknown" before the body is read) and outcome (ok, error, rate_limited, cost_exceeded, unauthenticated)',
  labelNames: ['partner', 'operation', 'outcome'] as const,
  registers: [registry],
});

export const partnerQueryCost = new Counter({
  name: 'partner_query_cost_total',
  help: 'Estimated query cost (gateway/plugins/operation/query-limits/cost.ts) of the partner API operations that ran, by partner and operation',
  labelNames: ['partner', 'operation'] as const,
  registers: [registry],
});

export const auditRecords = new Counter({
  name: 'audit_records_total',
  help: 'Audit records appended (subgraphs/kit/audit), by action and outcome',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

export const auditAppendFailures = new Counter({
  name: 'audit_append_failures_total',
  help: 'Audit records that could not be appended (the action itself went ahead; the failure is logged), by action',
  labelNames: ['action'] as const,
  registers: [registry],
});

export const erasures = new Counter({
  name: 'erasures_total',
  help: 'User erasures by status: requested (a new erasure recorded) and completed (its last part reported done)',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const erasurePartsCompleted = new Counter({
  name: 'erasure_parts_completed_total',
  help: "Subgraphs' parts of user erasures reported done (each once), by subgraph",
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const erasedSubjectRefusals = new Counter({
  name: 'gateway_erased_subject_refusals_total',
  help: 'Requests and graphql-ws connections the gateway refused because their token names an erased user',
  registers: [registry],
});
