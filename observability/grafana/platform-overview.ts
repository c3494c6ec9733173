/** Platform overview: is the platform keeping its promises, and if not, where does it break. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { SUBGRAPH_NAMES } from '../../platform/services';
import { AVAILABILITY, errorBudget, LATENCY } from '../prometheus/slo';
import { type Dashboard, platformDashboard, quantile, quantiles, rate, row, statPanel, timeSeries } from './kit';

const OPERATIONS = 'gateway_operation_duration_seconds';
const SUBGRAPH_FETCHES = 'gateway_subgraph_fetch_duration_seconds';

export const build = (): Dashboard =>
  platformDashboard(
    'platform-overview',
    'Platform overview',
    'The gateway SLOs and their error budgets, GraphQL operations, the subgraphs seen from the gateway, and every service. docs/operations.md#alerts-and-dashboards',
  )
    .withRow(row('Service level objectives'))
    .withPanel(
      statPanel(
        'Availability, last hour',
        units.PercentUnit,
        { expr: `1 - ${AVAILABILITY.record}_rate1h` },
        {
          description: `Operations without an error the platform caused, and gateway answers without HTTP 5xx (the worse of the two). Objective ${AVAILABILITY.objective * 100}% over 30 days.`,
          goal: AVAILABILITY.objective,
        },
      ),
    )
    .withPanel(
      statPanel(
        'Within 500 ms, last hour',
        units.PercentUnit,
        { expr: `1 - ${LATENCY.record}_rate1h` },
        {
          description: `Queries and mutations answered within 500 ms at the gateway. Objective ${LATENCY.objective * 100}% over 30 days.`,
          goal: LATENCY.objective,
        },
      ),
    )
    .withPanel(
      timeSeries(
        'Error budget burn rate',
        units.Short,
        [
          { expr: `${AVAILABILITY.record}_rate1h / ${errorBudget(AVAILABILITY)}`, legend: 'availability, 1h' },
          { expr: `${AVAILABILITY.record}_rate6h / ${errorBudget(AVAILABILITY)}`, legend: 'availability, 6h' },
          { expr: `${LATENCY.record}_rate1h / ${errorBudget(LATENCY)}`, legend: 'latency, 1h' },
          { expr: `${LATENCY.record}_rate6h / ${errorBudget(LATENCY)}`, legend: 'latency, 6h' },
        ],
        {
          span: 12,
          height: 8,
          description: '1 spends the 30-day budget in exactly 30 days; the alerts page at 14.4 over 1 h and 6 over 6 h.',
        },
      ),
    )
    .withRow(row('GraphQL operations at the gateway'))
    .withPanel(
      timeSeries('Operations by type and outcome', units.OpsPerSecond, [
        { expr: rate(`${OPERATIONS}_count`, '', 'type, outcome'), legend: '{{type}} {{outcome}}' },
      ]),
    )
    .withPanel(timeSeries('Operation latency', units.Seconds, quantiles(OPERATIONS, 'type=~"query|mutation"')))
    .withPanel(
      timeSeries('Operation errors by code', units.OpsPerSecond, [
        { expr: rate('gateway_operation_errors_total', '', 'code'), legend: '{{code}}' },
      ]),
    )
    .withPanel(
      timeSeries(
        'Busiest operations',
        units.OpsPerSecond,
        [{ expr: `topk(10, ${rate(`${OPERATIONS}_count`, '', 'operation')})`, legend: '{{operation}}' }],
        {
          span: 12,
          description: 'Operation names are bounded per process: the rest count as "other".',
        },
      ),
    )
    .withPanel(
      timeSeries(
        'Slowest operations, p95',
        units.Seconds,
        [{ expr: `topk(10, ${quantile(0.95, OPERATIONS, 'type=~"query|mutation"', 'operation')})`, legend: '{{operation}}' }],
        {
          span: 12,
        },
      ),
    )
    .withRow(row('Subgraphs, seen from the gateway'))
    .withPanel(
      timeSeries('Subgraphs up', units.Short, [{ expr: 'subgraph:up:max', legend: '{{subgraph}}' }], {
        max: 1,
        description: `1 while Prometheus scrapes at least one replica of ${SUBGRAPH_NAMES.join(', ')}.`,
      }),
    )
    .withPanel(
      timeSeries('Fetches by subgraph', units.OpsPerSecond, [
        { expr: rate(`${SUBGRAPH_FETCHES}_count`, '', 'subgraph'), legend: '{{subgraph}}' },
      ]),
    )
    .withPanel(
      timeSeries('Fetch latency p95 by subgraph', units.Seconds, [
        { expr: quantile(0.95, SUBGRAPH_FETCHES, 'cache!="hit"', 'subgraph'), legend: '{{subgraph}}' },
      ]),
    )
    .withPanel(
      timeSeries('Fetch error ratio by subgraph', units.PercentUnit, [
        { expr: 'subgraph:fetch_errors:ratio_rate5m', legend: '{{subgraph}}' },
      ]),
    )
    .withPanel(
      timeSeries('Fetches failing as unavailable', units.OpsPerSecond, [
        { expr: rate('gateway_subgraph_unavailable_total', '', 'subgraph, reason'), legend: '{{subgraph}} {{reason}}' },
      ]),
    )
    .withPanel(
      timeSeries('Entity cache hit ratio', units.PercentUnit, [{ expr: 'gateway:entity_cache_hit:ratio_rate10m', legend: 'hit ratio' }], {
        max: 1,
        description: 'Entity-cache lookups answered from the cache, over 10 minutes.',
      }),
    )
    .withRow(row('Services'))
    .withPanel(
      timeSeries('HTTP requests by service', units.RequestsPerSecond, [
        { expr: rate('http_request_duration_seconds_count', '', 'service'), legend: '{{service}}' },
      ]),
    )
    .withPanel(
      timeSeries('HTTP 5xx by service', units.RequestsPerSecond, [
        {
          expr: `${rate('http_request_duration_seconds_count', 'status=~"5.."', 'service')} or ${rate('http_request_duration_seconds_count', '', 'service')} * 0`,
          legend: '{{service}}',
        },
      ]),
    )
    .withPanel(
      timeSeries('Database statements by service', units.OpsPerSecond, [
        { expr: rate('db_queries_total', '', 'service'), legend: '{{service}}' },
      ]),
    )
    .withPanel(
      timeSeries('Database statement p95 by service', units.Seconds, [
        { expr: quantile(0.95, 'db_statement_duration_seconds', '', 'service'), legend: '{{service}}' },
      ]),
    )
    .withPanel(
      timeSeries('Outbox lag by service', units.Seconds, [{ expr: 'max by (service) (outbox_lag_seconds)', legend: '{{service}}' }]),
    )
    .withPanel(
      timeSeries('Events handled by consumer', units.OpsPerSecond, [
        { expr: rate('events_handled_total', '', 'consumer, outcome'), legend: '{{consumer}} {{outcome}}' },
      ]),
    )
    .withPanel(
      timeSeries('Process CPU by job', units.Percent, [
        { expr: 'sum by (job) (rate(process_cpu_seconds_total[$__rate_interval])) * 100', legend: '{{job}}' },
      ]),
    )
    .build();
