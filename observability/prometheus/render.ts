/** The rule groups as Prometheus reads them: a plain rules file, and the prometheus-operator's PrometheusRule. */
import YAML from 'yaml';
import type { RuleGroup } from './rule-types';

/** What every generated file says first: where it comes from, so nobody edits it by hand. */
export const generatedBy = (source: string): string =>
  `Written by \`npm run observability\` from ${source}: edit that, not this file (a test fails when they differ).`;

const RULES_SOURCE = 'observability/prometheus/rules.ts';

function yamlText(value: unknown, comment: string): string {
  const doc = new YAML.Document(value);
  doc.commentBefore = ` ${comment}`;
  // lineWidth 0: PromQL is never folded, so each line of a rule reads as written.
  return doc.toString({ lineWidth: 0 });
}

/** observability/prometheus/rules.yml: `rule_files:` of a plain Prometheus, and promtool's input. */
export const rulesFile = (groups: RuleGroup[]): string => yamlText({ groups }, generatedBy(RULES_SOURCE));

/** The same groups as a PrometheusRule (monitoring.coreos.com/v1) for the prometheus-operator. */
export const prometheusRuleObject = (groups: RuleGroup[]) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'federation-platform',
    // kube-prometheus-stack's Prometheus selects rules by label (its ruleSelector): see k8s/README.md.
    labels: { 'app.kubernetes.io/name': 'federation-platform-rules', role: 'alert-rules' },
  },
  spec: { groups },
});

export const prometheusRuleFile = (groups: RuleGroup[]): string => yamlText(prometheusRuleObject(groups), generatedBy(RULES_SOURCE));
