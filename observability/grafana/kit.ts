/**
 * The few shapes every platform dashboard is made of, over the Grafana Foundation SDK's typed
 * builders: a dashboard with a Prometheus data-source variable, rows, time series and stat panels,
 * and PromQL helpers so a histogram quantile is written one way everywhere.
 */
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel asks the Prometheus the viewer picks in the `datasource` variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** The rate window Grafana fits to the scrape interval and the panel's resolution. */
export const RATE_WINDOW = '$__rate_interval';

export interface Query {
  expr: string;
  /** Grafana's legend template, e.g. `{{subgraph}}`; default: Grafana's automatic legend. */
  legend?: string;
}

export interface PanelOptions {
  description?: string;
  /** Grid columns out of 24. */
  span?: number;
  height?: number;
  min?: number;
  max?: number;
  /** Red below this value, green from it on (an objective). */
  goal?: number;
}

const targets = (queries: Query[]) =>
  queries.map((query, i) =>
    new DataqueryBuilder()
      .datasource(DATASOURCE)
      .expr(query.expr)
      .legendFormat(query.legend ?? '__auto')
      .refId(String.fromCharCode(65 + i)),
  );

/** A time series panel: one line per series each query returns. */
export function timeSeries(title: string, unit: string, queries: Query[], options: PanelOptions = {}): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .targets(targets(queries))
    .span(options.span ?? 8)
    .height(options.height ?? 8)
    .fillOpacity(10)
    .min(options.min ?? 0);
  if (options.description) panel.description(options.description);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/** A single number: the query's last value. */
export function statPanel(title: string, unit: string, query: Query, options: PanelOptions = {}): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(title)
    .datasource(DATASOURCE)
    .unit(unit)
    .targets(targets([query]))
    .span(options.span ?? 6)
    .height(options.height ?? 4);
  if (options.description) panel.description(options.description);
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  if (options.goal !== undefined) {
    panel.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'red' },
        { value: options.goal, color: 'green' },
      ]),
    );
  }
  return panel;
}

export const row = (title: string) => new RowBuilder(title);

/** A dashboard of the platform: tagged, linked to the others, refreshed every 30 s, last hour, one Prometheus variable. */
export function platformDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['federation-platform'])
    .timezone('browser')
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('Platform dashboards')
        .type(DashboardLinkType.Dashboards)
        .tags(['federation-platform'])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(false),
    )
    .withVariable(new DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus'));
}

/** A variable whose values are a label's values on a series, e.g. every subgraph the gateway fetches from. */
export function labelVariable(name: string, label: string, series: string): QueryVariableBuilder {
  const query = `label_values(${series}, ${label})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query, refId: 'variable' })
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
}

/** `sum by (…) (rate(metric{selector}[window]))`. */
export const rate = (metric: string, selector = '', by = ''): string =>
  `sum${by ? ` by (${by})` : ''} (rate(${metric}${selector ? `{${selector}}` : ''}[${RATE_WINDOW}]))`;

/** A quantile of a histogram, per `by` (the `le` label is added). */
export const quantile = (q: number, histogram: string, selector = '', by = ''): string =>
  `histogram_quantile(${q}, ${rate(`${histogram}_bucket`, selector, by ? `le, ${by}` : 'le')})`;

/** p50, p95 and p99 of a histogram as three queries. */
export const quantiles = (histogram: string, selector = '', by = ''): Query[] =>
  [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, histogram, selector, by), legend: `p${q * 100}${by ? ` {{${by}}}` : ''}` }));

export type { Dashboard };
