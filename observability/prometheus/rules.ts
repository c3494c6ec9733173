/**
 * The platform's recording and alerting rules: the one source of truth from which
 * observability/prometheus/rules.yml and k8s/monitoring/prometheus-rule.yaml are written
 * (`npm run observability`). Every series carries Prometheus's `job` label, and the rules expect
 * the platform's convention for it: job = the service's name (gateway, users, products, orders,
 * payments, recommendations, inference), as observability/prometheus/prometheus.yml and the
 * PodMonitors in k8s/monitoring set it.
 */
import { SUBGRAPH_NAMES } from '../../platform/services';
import { platformErrorCode } from './error-codes';
import { type AlertingRule, type Duration, promql, type RuleGroup, runbook } from './rule-types';
import { SLOS, sloAlerts, sloRecordingRules } from './slo';

/** Fetches that reached the subgraph: a full entity-cache hit sends none. */
const SUBGRAPH_FETCHES = 'gateway_subgraph_fetch_duration_seconds_count{cache!="hit"}';

/** Thresholds, in one place for the docs and the promtool tests to agree with. */
export const THRESHOLDS = {
  /** Share of a subgraph's fetches failing as unavailable that counts as down, from the gateway's side. */
  subgraphUnavailableRatio: 0.5,
  /** Errors the platform caused per fetch sent to a subgraph (each error of an answer counts). */
  subgraphErrorRatio: 0.05,
  /** Share of recommendation lists served from popularity instead of a model. */
  degradedShare: 0.2,
  /** Seconds the oldest unpublished outbox event may wait. */
  outboxLagSeconds: 60,
  /** The entity cache's hit ratio over 10 minutes, as a share of its ratio over the 6 hours before. */
  cacheHitRatioDrop: 0.5,
  /** Entity-cache lookups per second below which the hit ratio is too noisy to judge. */
  cacheMinLookupsPerSecond: 1,
  /** Seconds an erasure may wait for a subgraph's part: healthy, a part is done within seconds of the request. */
  erasurePendingSeconds: 3600,
} as const;

/**
 * A counter went up within `window`, by `by`. increase() needs two samples of a series, so a series
 * born at 1 (the first failure of its label values since the process started: these counters are
 * not created at 0) would go unseen; the second branch catches a series that did not exist `window` ago.
 */
function increasedWithin(counter: string, by: string, window: Duration): string {
  const sum = by ? `sum by (${by}) ` : 'sum';
  return promql`
    ${sum}(increase(${counter}[${window}])) > 0
    or
    ${sum}(${counter} unless ${counter} offset ${window}) > 0`;
}

const subgraphRules: RuleGroup = {
  name: 'federation-platform.subgraphs',
  rules: [
    {
      // up is 0 when Prometheus cannot scrape a target; a subgraph is down when no replica answers.
      record: 'subgraph:up:max',
      expr: `max by (subgraph) (label_replace(up{job=~"${SUBGRAPH_NAMES.join('|')}"}, "subgraph", "$1", "job", "(.+)"))`,
    },
    {
      // Over one minute, not five: the alert should end soon after the subgraph answers again.
      record: 'subgraph:fetch_unavailable:ratio_rate1m',
      expr: promql`
        sum by (subgraph) (rate(gateway_subgraph_unavailable_total[1m]))
          / sum by (subgraph) (rate(${SUBGRAPH_FETCHES}[1m]))`,
    },
    {
      // Platform errors per fetch sent. The counter counts every error of an answer (an entity fetch
      // failing for each of its entities counts each), and nothing counts fetches by outcome: the
      // ratio is of errors, not of failed fetches, capped at 1 so one large failing fetch reads as
      // "everything fails" rather than more than that.
      record: 'subgraph:fetch_errors:ratio_rate5m',
      expr: promql`
        clamp_max(
          sum by (subgraph) (rate(gateway_subgraph_fetch_errors_total{${platformErrorCode}}[5m]))
            / sum by (subgraph) (rate(${SUBGRAPH_FETCHES}[5m])),
          1
        )`,
    },
    {
      alert: 'SubgraphDown',
      // Either view suffices: Prometheus reaches no replica, or the gateway's fetches mostly fail as
      // unavailable (a fetch ratio of x/0 is +Inf, so a subgraph that answers none still counts).
      expr: promql`
        subgraph:up:max == 0
        or
        subgraph:fetch_unavailable:ratio_rate1m >= ${THRESHOLDS.subgraphUnavailableRatio}`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Subgraph {{ $labels.subgraph }} is down',
        description:
          "No replica of the {{ $labels.subgraph }} subgraph answers Prometheus, or most of the gateway's fetches to it fail as unavailable. " +
          'Fields it resolves answer null with SERVICE_UNAVAILABLE.',
        runbook_url: runbook('subgraphdown'),
      },
    },
    {
      alert: 'SubgraphErroring',
      expr: `subgraph:fetch_errors:ratio_rate5m > ${THRESHOLDS.subgraphErrorRatio}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Subgraph {{ $labels.subgraph }} answers errors',
        description: `The gateway's fetches to {{ $labels.subgraph }} answered {{ $value | humanizePercentage }} errors the platform caused per fetch over the last 5 minutes (threshold ${THRESHOLDS.subgraphErrorRatio * 100}%; every error counts, up to one per fetch on average).`,
        runbook_url: runbook('subgrapherroring'),
      },
    },
  ],
};

const recommendationRules: RuleGroup = {
  name: 'federation-platform.recommendations',
  rules: [
    {
      record: 'recommendations:lists_degraded:ratio_rate5m',
      expr: promql`
        sum(rate(recommendations_lists_total{served_by="popularity"}[5m]))
          / sum(rate(recommendations_lists_total[5m]))`,
    },
    {
      alert: 'RecommendationsDegraded',
      expr: `recommendations:lists_degraded:ratio_rate5m > ${THRESHOLDS.degradedShare}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Recommendations come from popularity instead of the model',
        description: `{{ $value | humanizePercentage }} of recommendation lists over the last 5 minutes were popularity fallbacks (threshold ${THRESHOLDS.degradedShare * 100}%): the inference server is down, slow or missing a model.`,
        runbook_url: runbook('recommendationsdegraded'),
      },
    },
  ],
};

const eventRules: RuleGroup = {
  name: 'federation-platform.events',
  rules: [
    {
      alert: 'OutboxLagging',
      expr: `max by (service) (outbox_lag_seconds) > ${THRESHOLDS.outboxLagSeconds}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: "{{ $labels.service }}'s outbox is not being published",
        description: `The oldest unpublished event in {{ $labels.service }}'s outbox has waited {{ $value | humanizeDuration }} (threshold ${THRESHOLDS.outboxLagSeconds} s): consumers, live updates and partner webhooks are behind.`,
        runbook_url: runbook('outboxlagging'),
      },
    },
    {
      alert: 'PartnerWebhookDeadLetters',
      // The gauge says dead letters wait for someone; the counter catches a new one even between two
      // refreshes of the gauge.
      expr: promql`
        max(partner_webhook_dead_letters) > 0
        or
        sum(increase(partner_webhook_deliveries_total{outcome="dead_lettered"}[15m])) > 0`,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Partner webhooks were dead-lettered',
        description:
          'Webhook deliveries to partners ran out of retries and wait in the dead letters: those partners were not told of the events.',
        runbook_url: runbook('partnerwebhookdeadletters'),
      },
    },
  ],
};

const entityCacheRules: RuleGroup = {
  name: 'federation-platform.entity-cache',
  rules: [
    {
      record: 'gateway:entity_cache_hit:ratio_rate10m',
      expr: promql`
        sum(rate(gateway_entity_cache_requests_total{outcome="hit"}[10m]))
          / sum(rate(gateway_entity_cache_requests_total[10m]))`,
    },
    {
      alert: 'EntityCacheHitRatioCollapsed',
      expr: promql`
        gateway:entity_cache_hit:ratio_rate10m
          < ${THRESHOLDS.cacheHitRatioDrop} * (
            sum(rate(gateway_entity_cache_requests_total{outcome="hit"}[6h] offset 10m))
              / sum(rate(gateway_entity_cache_requests_total[6h] offset 10m))
          )
        and
        sum(rate(gateway_entity_cache_requests_total[10m])) > ${THRESHOLDS.cacheMinLookupsPerSecond}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: "The gateway's entity-cache hit ratio collapsed",
        description: `The entity cache answered {{ $value | humanizePercentage }} of lookups over the last 10 minutes, less than ${THRESHOLDS.cacheHitRatioDrop * 100}% of its ratio over the 6 hours before: the subgraphs are taking the load the cache used to.`,
        runbook_url: runbook('entitycachehitratiocollapsed'),
      },
    },
  ],
};

const privacyRules: RuleGroup = {
  name: 'federation-platform.privacy',
  rules: [
    {
      alert: 'AuditAppendFailing',
      // One failure is one privileged action with no audit record: no threshold, no waiting.
      expr: increasedWithin('audit_append_failures_total', 'action', '15m'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Audit records of {{ $labels.action }} could not be written',
        description:
          'Privileged actions ({{ $labels.action }}) went ahead in the last 15 minutes without their audit record: the audit log has a gap. ' +
          "Each one is logged as 'audit record not written'.",
        runbook_url: runbook('auditappendfailing'),
      },
    },
    {
      alert: 'DataExportsFailed',
      expr: increasedWithin('privacy_data_exports_total{outcome="failed"}', '', '15m'),
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Personal data exports failed',
        description:
          "Data exports failed in the last 15 minutes (most often a subgraph's part still missing when the retry window ended): " +
          'their requesters got nothing and must ask again.',
        runbook_url: runbook('dataexportsfailed'),
      },
    },
    {
      alert: 'DataExportPartsFailing',
      // A part is retried at most every 5 minutes (PRIVACY_EXPORT_RETRY_MAX_MS) while an export waits,
      // so a subgraph that keeps failing fails again within every 10 minutes; half an hour of that is
      // no blip, and still leaves days of the 72-hour retry window to fix it.
      expr: 'sum by (subgraph) (increase(privacy_data_export_part_failures_total[10m])) > 0',
      for: '30m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Data export parts of {{ $labels.subgraph }} keep failing',
        description:
          'For over 30 minutes, every collection round asking {{ $labels.subgraph }} for its part of a data export failed: exports wait for it, and fail once their retry window ends.',
        runbook_url: runbook('dataexportpartsfailing'),
      },
    },
    {
      alert: 'ErasureStuck',
      expr: `max by (subgraph) (erasure_parts_oldest_pending_seconds) > ${THRESHOLDS.erasurePendingSeconds}`,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Erasures wait for {{ $labels.subgraph }}',
        description: `An erasure requested {{ $value | humanizeDuration }} ago still waits for {{ $labels.subgraph }}'s part (threshold ${THRESHOLDS.erasurePendingSeconds / 3600} h; a healthy platform takes seconds): the erased user's data is still there.`,
        runbook_url: runbook('erasurestuck'),
      },
    },
  ],
};

const sloRules: RuleGroup = {
  name: 'federation-platform.gateway-slo',
  rules: [...SLOS.flatMap(sloRecordingRules), ...SLOS.flatMap(sloAlerts)],
};

export const RULE_GROUPS: RuleGroup[] = [sloRules, subgraphRules, recommendationRules, eventRules, entityCacheRules, privacyRules];

export const ALERTS: AlertingRule[] = RULE_GROUPS.flatMap((group) => group.rules.filter((rule): rule is AlertingRule => 'alert' in rule));
