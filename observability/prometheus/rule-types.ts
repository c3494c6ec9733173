/** Prometheus rule files as typed values (https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/). */

/** A Prometheus duration as the rules use them. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

/** critical pages someone now; warning is for working hours. */
export type Severity = 'critical' | 'warning';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: Duration;
  labels: { severity: Severity } & Record<string, string>;
  /** runbook_url names a heading of docs/operations.md (checked by observability/rules.test.ts). */
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  /** Recording rules first: a group evaluates its rules in order, so its alerts read this round's values. */
  rules: (RecordingRule | AlertingRule)[];
}

export const isAlert = (rule: RecordingRule | AlertingRule): rule is AlertingRule => 'alert' in rule;

/** Where the runbooks are: headings of this page, relative to the repository's root. */
export const RUNBOOK_PAGE = 'docs/operations.md';
export const runbook = (anchor: string): string => `${RUNBOOK_PAGE}#${anchor}`;

/** PromQL text without the indentation of the template literal it was written in (rules files stay readable). */
export function promql(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  const text = strings.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length));
  return lines.map((line) => line.slice(indent)).join('\n');
}
