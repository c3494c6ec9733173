/**
 * Inference metrics, registered on the platform's one registry. Two names are fixed because other
 * checks read them: `inference_requests_total{model,version}` (infer requests received) and
 * `inference_batch_size{model}` (rows per executed batch).
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { latencyHistogram, registry } from '../platform/metrics';

const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const inferenceMetrics = {
  requests: new Counter({
    name: 'inference_requests_total',
    help: 'Infer requests received, by model and the version that served them',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  errors: new Counter({
    name: 'inference_errors_total',
    help: 'Infer requests answered with an error, by model, version and HTTP status',
    labelNames: ['model', 'version', 'status'] as const,
    registers: [registry],
  }),
  batchSize: new Histogram({
    name: 'inference_batch_size',
    help: 'Rows per executed model batch',
    labelNames: ['model'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  }),
  queueDelay: new Histogram({
    name: 'inference_queue_delay_seconds',
    help: 'Time a request waited in the batcher queue before its batch started',
    labelNames: ['model', 'version'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  }),
  compute: new Histogram({
    name: 'inference_compute_seconds',
    help: 'Model execution time per batch',
    labelNames: ['model', 'version'] as const,
    buckets: latencyBuckets,
    registers: [registry],
  }),
  // A histogram, not a summary: quantiles of summaries cannot be added up across pods, buckets can.
  latency: latencyHistogram({
    name: 'inference_request_duration_seconds',
    help: 'End-to-end infer request latency (successful requests), by model and the version that served them',
    labelNames: ['model', 'version'] as const,
    buckets: [...latencyBuckets, 5, 10],
  }),
  queueDepth: new Gauge({
    name: 'inference_queue_depth',
    help: 'Requests waiting in the batcher queue',
    labelNames: ['model', 'version'] as const,
    registers: [registry],
  }),
  executionProvider: new Gauge({
    name: 'inference_execution_provider',
    help: 'Execution provider in use per loaded model version (value 1)',
    labelNames: ['model', 'version', 'provider'] as const,
    registers: [registry],
  }),
};
