/** Every PromQL query the dashboards send, ready for a PromQL parser or a Prometheus's HTTP API. */
import type { Dashboard } from './kit';
import { DASHBOARDS } from './catalog';

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  /** The query with Grafana's built-in interval variables replaced by a window Prometheus reads. */
  expr: string;
  /** The query as the dashboard holds it. */
  template: string;
}

/** Grafana's own variables, as Prometheus would see them for a short time range. */
const BUILT_IN = { $__rate_interval: '1m', $__interval: '15s', $__range: '1h' };

/** Replaces Grafana's built-in variables, and the dashboard's own (`$name`, `${name}`) by the values given. */
export function substitute(template: string, values: Record<string, string> = {}): string {
  let expr = template;
  for (const [name, value] of Object.entries(BUILT_IN)) expr = expr.replaceAll(name, value);
  for (const [name, value] of Object.entries(values)) expr = expr.replaceAll(`\${${name}}`, value).replaceAll(`$${name}`, value);
  return expr;
}

interface PanelLike {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  panels?: PanelLike[];
}

interface VariableLike {
  name: string;
  type: string;
  query?: string | { query?: string };
}

/** Panels' queries, and each query variable's series (`label_values(series, label)` asks Prometheus for that series). */
export function queriesOf(dashboard: Dashboard, values: Record<string, string> = {}): DashboardQuery[] {
  const found: DashboardQuery[] = [];
  const visit = (panels: PanelLike[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr)
          found.push({ dashboard: dashboard.uid!, panel: panel.title ?? '', expr: substitute(target.expr, values), template: target.expr });
      }
      visit(panel.panels ?? []);
    }
  };
  visit((dashboard.panels ?? []) as PanelLike[]);
  for (const variable of ((dashboard.templating?.list ?? []) as VariableLike[]).filter((v) => v.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
    const series = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (!series) throw new Error(`${dashboard.uid}: variable ${variable.name} is no label_values(series, label): ${query}`);
    found.push({ dashboard: dashboard.uid!, panel: `variable $${variable.name}`, expr: substitute(series, values), template: query });
  }
  return found;
}

export const dashboardQueries = (values: Record<string, string> = {}): DashboardQuery[] =>
  DASHBOARDS.flatMap((build) => queriesOf(build(), values));
