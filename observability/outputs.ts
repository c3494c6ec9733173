/**
 * Every file written from the sources in observability/ (`npm run observability`): the rules
 * twice (plain Prometheus, PrometheusRule), the dashboards twice (JSON, ConfigMaps for Grafana's
 * sidecar). generated.test.ts fails when a committed file differs from what is written here.
 */
import { DASHBOARDS } from './grafana/catalog';
import { dashboardConfigMapsFile, dashboardFile, dashboardPath } from './grafana/render';
import { prometheusRuleFile, rulesFile } from './prometheus/render';
import { RULE_GROUPS } from './prometheus/rules';

export interface GeneratedFile {
  /** Relative to the repository's root. */
  path: string;
  text: string;
}

export const RULES_FILE = 'observability/prometheus/rules.yml';
export const PROMETHEUS_RULE_FILE = 'k8s/monitoring/prometheus-rule.yaml';
export const DASHBOARD_CONFIGMAPS_FILE = 'k8s/monitoring/grafana-dashboards.yaml';

export function generatedFiles(): GeneratedFile[] {
  const dashboards = DASHBOARDS.map((build) => build());
  return [
    { path: RULES_FILE, text: rulesFile(RULE_GROUPS) },
    { path: PROMETHEUS_RULE_FILE, text: prometheusRuleFile(RULE_GROUPS) },
    ...dashboards.map((dashboard) => ({ path: dashboardPath(dashboard), text: dashboardFile(dashboard) })),
    { path: DASHBOARD_CONFIGMAPS_FILE, text: dashboardConfigMapsFile(dashboards) },
  ];
}
