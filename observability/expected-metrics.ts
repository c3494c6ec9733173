/**
 * EXPECTED FROM i23-metrics: series the rules and dashboards read that the metrics branch of issue
 * 23 registers and this branch does not yet. queries.test.ts accepts these names (and labels) as
 * if registered, and fails for each one that is registered now: once the branches are merged,
 * empty this list (the test then checks every name against the real registries).
 */
export interface ExpectedMetric {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  labels: string[];
}

export const EXPECTED_FROM_I23_METRICS: ExpectedMetric[] = [
  { name: 'gateway_operation_duration_seconds', type: 'histogram', labels: ['operation', 'type', 'outcome'] },
  { name: 'gateway_operation_errors_total', type: 'counter', labels: ['operation', 'code'] },
  { name: 'gateway_subgraph_fetch_duration_seconds', type: 'histogram', labels: ['subgraph', 'cache'] },
  { name: 'gateway_subgraph_fetch_errors_total', type: 'counter', labels: ['subgraph', 'code'] },
  { name: 'inference_request_duration_seconds', type: 'histogram', labels: ['model', 'version'] },
  { name: 'db_statement_duration_seconds', type: 'histogram', labels: ['service'] },
  { name: 'outbox_pending_events', type: 'gauge', labels: ['service'] },
  { name: 'outbox_lag_seconds', type: 'gauge', labels: ['service'] },
  { name: 'partner_webhook_dead_letters', type: 'gauge', labels: [] },
  { name: 'recommendations_lists_total', type: 'counter', labels: ['served_by', 'reason'] },
];
