/** PromQL read by Prometheus's own grammar (the lezer parser its web UI uses): parse errors, and which series an expression reads. */
import { parser } from '@prometheus-io/lezer-promql';

export interface Selector {
  metric: string;
  labels: string[];
}

/** Parse errors, and every vector selector's metric name and matched label names. */
export function analyse(expr: string): { errors: string[]; selectors: Selector[] } {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: …${expr.slice(Math.max(0, node.from - 20), node.to + 20)}…`);
      if (node.name !== 'VectorSelector') return;
      const metric = node.node.getChild('Identifier');
      const labels = node.node
        .getChildren('LabelMatchers')
        .flatMap((matchers) => matchers.getChildren('UnquotedLabelMatcher'))
        .map((matcher) => expr.slice(matcher.getChild('LabelName')!.from, matcher.getChild('LabelName')!.to));
      if (metric) selectors.push({ metric: expr.slice(metric.from, metric.to), labels });
    },
  });
  return { errors, selectors };
}
