/** The gateway's RED series per GraphQL operation, on the process's one registry (platform/metrics.ts). */
import { Counter } from 'prom-client';
import { latencyHistogram, registry } from '../../../../platform/metrics';

export const operationDuration = latencyHistogram({
  name: 'gateway_operation_duration_seconds',
  help: 'GraphQL operations the gateway answered, from the request arriving (before its body is read and the key, token and rate-limit checks) to the answer ready (for a subscription, each event completed), by operation name (bounded: anonymous, other past the budget), type and outcome (error when the answer carries any error, an HTTP 200 included)',
  labelNames: ['operation', 'type', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const operationErrors = new Counter({
  name: 'gateway_operation_errors_total',
  help: 'Errors in the answers the gateway sent, one per error, by operation name (bounded as in gateway_operation_duration_seconds) and extensions.code (NONE without one)',
  labelNames: ['operation', 'code'] as const,
  registers: [registry],
});
