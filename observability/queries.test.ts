/**
 * Every PromQL expression the platform ships (each rule, each dashboard panel and variable) parses,
 * and names only series that exist: metrics the platform's processes register (read from their
 * registries, so a renamed or removed metric fails here), the recording rules of rules.ts, and
 * Prometheus's own `up`. The label matchers of a selector name only labels its metric has.
 */
import fs from 'node:fs';
import path from 'node:path';
import { registry } from '../platform/metrics';
import { fromRoot } from '../platform/paths';
import { dashboardQueries } from './grafana/queries';
import { isAlert } from './prometheus/rule-types';
import { RULE_GROUPS } from './prometheus/rules';
import { LATENCY_THRESHOLD_SECONDS } from './prometheus/slo';
import { analyse } from './promql';

/** Series Prometheus makes itself, and the labels every scraped series gets. */
const PROMETHEUS_SERIES = new Set(['up']);
const SCRAPE_LABELS = ['job', 'instance'];

/** Modules that register metrics on the process's registry: found by reading the code, not by a list that could fall behind. */
function metricModules(): string[] {
  const roots = ['platform', 'gateway', 'subgraphs', 'inference'];
  return roots.flatMap((root) =>
    fs
      .readdirSync(fromRoot(root), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.includes(`${path.sep}test${path.sep}`))
      .map((file) => path.join(root, file))
      .filter((file) => /registers: \[registry\]/.test(fs.readFileSync(fromRoot(file), 'utf8'))),
  );
}

/** Every series name a registered metric exposes (histograms as _bucket, _sum, _count), with its label names. */
async function registeredSeries(): Promise<Map<string, string[]>> {
  const series = new Map<string, string[]>();
  // Loading a module registers its metrics on the one registry (platform/metrics.ts).
  for (const module of metricModules()) jest.requireActual(fromRoot(module));
  for (const metricJson of await registry.getMetricsAsJSON()) {
    // prom-client's types call `type` an enum; at run time it is the exposition format's word.
    const { name } = metricJson;
    const type = String(metricJson.type);
    const metric = registry.getSingleMetric(name) as unknown as { labelNames?: string[] };
    const labels = [...(metric.labelNames ?? [])];
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const suffix of suffixes)
      series.set(
        `${name}${suffix}`,
        suffix === '_bucket' ? [...labels, 'le'] : type === 'summary' && suffix === '' ? [...labels, 'quantile'] : labels,
      );
  }
  return series;
}

const ruleExpressions = RULE_GROUPS.flatMap((group) =>
  group.rules.map((rule) => ({ where: `${group.name}: ${isAlert(rule) ? rule.alert : rule.record}`, expr: rule.expr })),
);
const recorded = new Set(RULE_GROUPS.flatMap((group) => group.rules.flatMap((rule) => (isAlert(rule) ? [] : [rule.record]))));
const panelExpressions = dashboardQueries().map(({ dashboard, panel, expr }) => ({ where: `${dashboard}: ${panel}`, expr }));
const expressions = [...ruleExpressions, ...panelExpressions];

describe('PromQL of the rules and dashboards', () => {
  let registered: Map<string, string[]>;
  beforeAll(async () => {
    registered = await registeredSeries();
  });

  it('finds the expressions and the registered metrics', () => {
    expect(ruleExpressions.length).toBeGreaterThan(10);
    expect(panelExpressions.length).toBeGreaterThan(20);
    expect(registered.get('http_request_duration_seconds_bucket')).toEqual(['service', 'method', 'route', 'status', 'le']);
    expect(registered.has('gateway_entity_cache_requests_total')).toBe(true);
    expect(registered.has('inference_queue_delay_seconds_count')).toBe(true);
  });

  it.each(expressions.map(({ where, expr }) => [where, expr]))('%s parses', (_where, expr) => {
    const { errors, selectors } = analyse(expr);
    expect(errors).toEqual([]);
    expect(selectors.length).toBeGreaterThan(0);
  });

  it('names only series that exist, and only labels they have', () => {
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      for (const { metric, labels } of analyse(expr).selectors) {
        if (recorded.has(metric) || PROMETHEUS_SERIES.has(metric)) continue;
        const known = registered.get(metric);
        if (!known) {
          problems.push(`${where}: ${metric} is registered by no process`);
          continue;
        }
        const unknown = labels.filter((label) => !known.includes(label) && !SCRAPE_LABELS.includes(label));
        if (unknown.length > 0) problems.push(`${where}: ${metric} has no label ${unknown.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it(`has a bucket at the latency objective's threshold (${LATENCY_THRESHOLD_SECONDS} s)`, () => {
    const histogram = registry.getSingleMetric('gateway_operation_duration_seconds') as unknown as { upperBounds?: number[] } | undefined;
    expect(histogram?.upperBounds).toContain(LATENCY_THRESHOLD_SECONDS);
  });

  it('reads a metric that is not registered as a failure (a typo is caught)', () => {
    const { selectors } = analyse('sum(rate(gateway_operation_duraton_seconds_count{job="gateway"}[5m]))');
    expect(selectors).toEqual([{ metric: 'gateway_operation_duraton_seconds_count', labels: ['job'] }]);
    expect(registered.has('gateway_operation_duraton_seconds_count')).toBe(false);
    expect(analyse('sum(rate(x[5m])').errors).not.toEqual([]);
  });
});
