/** One subgraph, chosen in $subgraph, from both sides: the gateway's fetches to it, and its own process. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { type Dashboard, labelVariable, platformDashboard, quantiles, rate, row, statPanel, timeSeries } from './kit';

const FETCHES = 'gateway_subgraph_fetch_duration_seconds';
const THIS_SUBGRAPH = 'subgraph="$subgraph"';
/** The subgraph's own series carry its name as `service`; `up` and the process metrics as `job`. */
const THIS_SERVICE = 'service="$subgraph"';
const THIS_JOB = 'job="$subgraph"';

export const build = (): Dashboard =>
  platformDashboard(
    'platform-subgraph',
    'Subgraph',
    "One subgraph: the gateway's fetches to it (cache, latency, errors, unavailability) and its own answers, database statements, outbox and process. docs/operations.md#alerts-and-dashboards",
  )
    .withVariable(labelVariable('subgraph', 'subgraph', FETCHES + '_count'))
    .withRow(row('Seen from the gateway'))
    .withPanel(
      statPanel(
        'Up',
        units.Short,
        { expr: `subgraph:up:max{${THIS_SUBGRAPH}}` },
        { description: 'Prometheus scrapes at least one replica (1) or none (0).' },
      ),
    )
    .withPanel(
      statPanel('Fetch error ratio, 5 minutes', units.PercentUnit, { expr: `subgraph:fetch_errors:ratio_rate5m{${THIS_SUBGRAPH}}` }),
    )
    .withPanel(
      statPanel('Fetches failing as unavailable, 1 minute', units.PercentUnit, {
        expr: `subgraph:fetch_unavailable:ratio_rate1m{${THIS_SUBGRAPH}}`,
      }),
    )
    .withPanel(statPanel('Replicas scraped', units.Short, { expr: `count(up{${THIS_JOB}} == 1)` }))
    .withPanel(
      timeSeries('Fetches by entity-cache outcome', units.OpsPerSecond, [
        { expr: rate(`${FETCHES}_count`, THIS_SUBGRAPH, 'cache'), legend: '{{cache}}' },
      ]),
    )
    .withPanel(timeSeries('Fetch latency (sent to the subgraph)', units.Seconds, quantiles(FETCHES, `${THIS_SUBGRAPH}, cache!="hit"`)))
    .withPanel(
      timeSeries('Fetch errors by code', units.OpsPerSecond, [
        { expr: rate('gateway_subgraph_fetch_errors_total', THIS_SUBGRAPH, 'code'), legend: '{{code}}' },
      ]),
    )
    .withPanel(
      timeSeries('Unavailable by reason', units.OpsPerSecond, [
        { expr: rate('gateway_subgraph_unavailable_total', THIS_SUBGRAPH, 'reason'), legend: '{{reason}}' },
      ]),
    )
    .withRow(row('The subgraph itself'))
    .withPanel(
      timeSeries('HTTP answers by route and status', units.RequestsPerSecond, [
        { expr: rate('http_request_duration_seconds_count', THIS_SERVICE, 'route, status'), legend: '{{route}} {{status}}' },
      ]),
    )
    .withPanel(timeSeries('HTTP latency', units.Seconds, quantiles('http_request_duration_seconds', `${THIS_SERVICE}, route="/graphql"`)))
    .withPanel(
      timeSeries('GraphQL errors by code', units.OpsPerSecond, [
        { expr: rate('graphql_errors_total', THIS_SERVICE, 'code'), legend: '{{code}}' },
      ]),
    )
    .withPanel(
      timeSeries('Database statements', units.OpsPerSecond, [{ expr: rate('db_queries_total', THIS_SERVICE), legend: 'statements' }]),
    )
    .withPanel(timeSeries('Database statement latency', units.Seconds, quantiles('db_statement_duration_seconds', THIS_SERVICE)))
    .withPanel(
      timeSeries('Outbox', units.Short, [
        { expr: `max(outbox_pending_events{${THIS_SERVICE}})`, legend: 'pending events' },
        { expr: `max(outbox_lag_seconds{${THIS_SERVICE}})`, legend: 'oldest pending, seconds' },
      ]),
    )
    .withPanel(
      timeSeries('Process CPU', units.Percent, [
        { expr: `rate(process_cpu_seconds_total{${THIS_JOB}}[$__rate_interval]) * 100`, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeSeries('Process memory', units.BytesIEC, [{ expr: `process_resident_memory_bytes{${THIS_JOB}}`, legend: '{{instance}}' }]),
    )
    .build();
