/**
 * The gateway's service level objectives, and the multi-window, multi-burn-rate alerts that guard
 * them (Google SRE workbook, "Alerting on SLOs", 6: both windows must burn fast, the long one so a
 * blip does not page, the short one so the alert stops soon after the burning does).
 *
 * Availability, 99.9 % over 30 days: an operation is bad when it answers an error the platform
 * caused (a code outside CLIENT_ERROR_CODES: INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE when a
 * subgraph is down, any code nobody classified), or when the gateway answers a GraphQL request with
 * HTTP 5xx. Errors a client caused (bad input, no token, rate limited, out of stock) are good
 * events: the platform did its job. The two views count the same request differently (an
 * operation may fail inside an HTTP 200; a 5xx may come before there is an operation), so the
 * error ratio is the worse of the two rather than their sum, which would count a request twice.
 * gateway_operation_errors_total counts every error of an answer (a list whose subgraph is down
 * answers one SERVICE_UNAVAILABLE per item), so platform errors alone would count such an operation
 * many times: they are capped at the operations that answered any error (outcome="error"). The
 * operations' bad count is then never below the true one and never above the operations that
 * failed at all; it is exact while the failing operations answer only platform errors.
 *
 * Latency, 99 % of queries and mutations answered within 500 ms over 30 days, measured at the
 * gateway from the request's arrival to its answer being ready to send; subscriptions (timed per
 * event) and documents with no runnable operation (type="unknown") are left out. The operation
 * histogram needs a bucket at 0.5 s (it has one; observability/queries.test.ts checks).
 */
import { platformErrorCode } from './error-codes';
import { type AlertingRule, type Duration, promql, type RecordingRule, runbook, type Severity } from './rule-types';

export interface Slo {
  /** The alerts' stem and the `slo` label, e.g. GatewayAvailability / gateway-availability. */
  alert: string;
  label: string;
  /** Recording rules are `<record>_rate<window>`. */
  record: string;
  /** Share of good events promised over the 30-day period. */
  objective: number;
  /** Bad events per event over a window, as PromQL. */
  badRatio(window: Duration): string;
  /** How a bad event reads in an alert's summary. */
  badEvents: string;
  runbookAnchor: string;
}

/** The GraphQL endpoints: the public one and the partner contract. */
const GRAPHQL_ROUTES = 'route=~"/graphql|/partner/graphql"';

export const AVAILABILITY: Slo = {
  alert: 'GatewayAvailability',
  label: 'gateway-availability',
  record: 'slo:gateway_availability:error_ratio',
  objective: 0.999,
  badRatio: (w) => promql`
    max(
      label_replace(
        clamp_max(
          sum(rate(gateway_operation_errors_total{${platformErrorCode}}[${w}])) or vector(0),
          scalar(sum(rate(gateway_operation_duration_seconds_count{outcome="error"}[${w}])) or vector(0))
        )
          / sum(rate(gateway_operation_duration_seconds_count[${w}])),
        "sli", "operations", "", ""
      )
      or
      label_replace(
        (sum(rate(http_request_duration_seconds_count{service="gateway", ${GRAPHQL_ROUTES}, status=~"5.."}[${w}])) or vector(0))
          / sum(rate(http_request_duration_seconds_count{service="gateway", ${GRAPHQL_ROUTES}}[${w}])),
        "sli", "http", "", ""
      )
    )`,
  badEvents: 'operations fail for reasons of the platform',
  runbookAnchor: 'gateway-availability-slo',
};

/**
 * The operations the latency objective covers: queries and mutations. Left out are subscriptions
 * (each event is timed, not a request) and documents that never named a runnable operation
 * (type="unknown": unparsable, or an unknown operationName), which the client got wrong.
 */
const TIMED_TYPES = 'type=~"query|mutation"';

/** The latency objective's threshold, in seconds: a bucket boundary of gateway_operation_duration_seconds. */
export const LATENCY_THRESHOLD_SECONDS = 0.5;

export const LATENCY: Slo = {
  alert: 'GatewayLatency',
  label: 'gateway-latency',
  record: 'slo:gateway_latency:slow_ratio',
  objective: 0.99,
  badRatio: (w) => promql`
    1 - (
      sum(rate(gateway_operation_duration_seconds_bucket{${TIMED_TYPES}, le="${LATENCY_THRESHOLD_SECONDS}"}[${w}]))
        / sum(rate(gateway_operation_duration_seconds_count{${TIMED_TYPES}}[${w}]))
    )`,
  badEvents: `queries and mutations take longer than ${LATENCY_THRESHOLD_SECONDS * 1000} ms`,
  runbookAnchor: 'gateway-latency-slo',
};

export const SLOS = [AVAILABILITY, LATENCY];

/**
 * The workbook's two paging pairs for a 30-day period: 14.4× the sustainable rate over 1 h (2 % of
 * the budget gone in an hour) and 6× over 6 h (5 % in six hours), each confirmed by a window a
 * twelfth as long.
 */
export const BURN_RATE_ALERTS = [
  { speed: 'Fast', long: '1h', short: '5m', burnRate: 14.4, severity: 'critical', spends: '2% of the 30-day error budget goes in 1 hour' },
  { speed: 'Slow', long: '6h', short: '30m', burnRate: 6, severity: 'critical', spends: '5% of the 30-day error budget goes in 6 hours' },
] as const satisfies readonly { speed: string; long: Duration; short: Duration; burnRate: number; severity: Severity; spends: string }[];

export const SLO_WINDOWS: Duration[] = [...new Set(BURN_RATE_ALERTS.flatMap(({ long, short }) => [short, long]))].sort(
  (a, b) => seconds(a) - seconds(b),
);

function seconds(duration: Duration): number {
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[duration.slice(-1) as 's' | 'm' | 'h' | 'd'];
  return Number(duration.slice(0, -1)) * unit;
}

/** The error budget as a fraction, rounded so 1 - 0.999 reads 0.001 in the rules. */
export const errorBudget = (slo: Slo): number => Number((1 - slo.objective).toPrecision(6));

export const sloRecordingRules = (slo: Slo): RecordingRule[] =>
  SLO_WINDOWS.map((window) => ({ record: `${slo.record}_rate${window}`, expr: slo.badRatio(window), labels: { slo: slo.label } }));

export const sloAlerts = (slo: Slo): AlertingRule[] =>
  BURN_RATE_ALERTS.map(({ speed, long, short, burnRate, severity, spends }) => {
    const threshold = `(${burnRate} * ${errorBudget(slo)})`;
    return {
      alert: `${slo.alert}Burn${speed}`,
      expr: `${slo.record}_rate${long}{slo="${slo.label}"} > ${threshold}\nand\n${slo.record}_rate${short}{slo="${slo.label}"} > ${threshold}`,
      labels: { severity, slo: slo.label, long_window: long, short_window: short },
      annotations: {
        summary: `Gateway ${slo.label.replace('gateway-', '')} SLO: the error budget burns ${burnRate}× too fast`,
        description:
          `{{ $value | humanizePercentage }} of ${slo.badEvents} over the last ${long} (and over ${short}); ` +
          `the objective is ${Number((slo.objective * 100).toPrecision(6))}% over 30 days. At ${burnRate}× the sustainable rate, ${spends}.`,
        runbook_url: runbook(slo.runbookAnchor),
      },
    };
  });
