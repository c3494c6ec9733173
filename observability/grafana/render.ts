/** The dashboards as files: Grafana's JSON model, and ConfigMaps Grafana's dashboard sidecar loads. */
import YAML from 'yaml';
import { generatedBy } from '../prometheus/render';
import type { Dashboard } from './kit';

export const DASHBOARDS_DIR = 'observability/grafana/dashboards';
const SOURCES = 'observability/grafana/*.ts';

export const dashboardPath = (dashboard: Dashboard): string => `${DASHBOARDS_DIR}/${dashboard.uid}.json`;

/** Grafana's dashboard JSON, as its "Import dashboard" and file provisioning read it. */
export const dashboardFile = (dashboard: Dashboard): string => `${JSON.stringify(dashboard, null, 2)}\n`;

/**
 * One ConfigMap per dashboard (a ConfigMap holds at most 1 MiB): the sidecar loads every ConfigMap
 * labelled grafana_dashboard=1, and puts it in the folder its grafana_folder annotation names
 * where the sidecar is set up to read that annotation (kube-prometheus-stack: folderAnnotation).
 */
export function dashboardConfigMapsFile(dashboards: Dashboard[]): string {
  const documents = dashboards.map((dashboard) => {
    const doc = new YAML.Document({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `grafana-dashboard-${dashboard.uid}`,
        labels: { grafana_dashboard: '1' },
        annotations: { grafana_folder: 'Federation platform' },
      },
      data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboard, null, 2) },
    });
    return doc.toString({ lineWidth: 0 });
  });
  return `# ${generatedBy(SOURCES)}\n${documents.join('---\n')}`;
}
