/** Recommendations and inference: how lists are made (model or fallback) and how the model server keeps up. */
import * as units from '@grafana/grafana-foundation-sdk/units';
import { type Dashboard, platformDashboard, quantile, quantiles, rate, row, statPanel, timeSeries } from './kit';

export const build = (): Dashboard =>
  platformDashboard(
    'platform-recommendations',
    'Recommendations and inference',
    "Recommendation lists by how they were made, the degraded share and its reasons; the subgraph's calls to the inference server; the server's latency, queue wait, execution and batches. docs/operations.md#alerts-and-dashboards",
  )
    .withRow(row('Recommendation lists'))
    .withPanel(
      statPanel(
        'Degraded share, 5 minutes',
        units.PercentUnit,
        { expr: 'recommendations:lists_degraded:ratio_rate5m' },
        {
          description: 'Lists served from popularity instead of a model (RecommendationsDegraded fires over 20% for 10 minutes).',
        },
      ),
    )
    .withPanel(
      statPanel('Cache hit ratio', units.PercentUnit, {
        expr: `${rate('recommendations_cache_lookups_total', 'result="hit"')} / ${rate('recommendations_cache_lookups_total')}`,
      }),
    )
    .withPanel(statPanel('Lists per second', units.OpsPerSecond, { expr: rate('recommendations_lists_total') }))
    .withPanel(statPanel('Inference calls per second', units.OpsPerSecond, { expr: rate('recommendations_inference_calls_total') }))
    .withPanel(
      timeSeries('Lists by pipeline', units.OpsPerSecond, [
        { expr: rate('recommendations_lists_total', '', 'served_by'), legend: '{{served_by}}' },
      ]),
    )
    .withPanel(
      timeSeries('Lists not from the first-choice pipeline, by reason', units.OpsPerSecond, [
        { expr: rate('recommendations_lists_total', 'served_by!="two_stage"', 'served_by, reason'), legend: '{{served_by}}: {{reason}}' },
      ]),
    )
    .withPanel(
      timeSeries('Fallbacks by reason', units.OpsPerSecond, [
        { expr: rate('recommendations_fallbacks_total', '', 'reason'), legend: '{{reason}}' },
      ]),
    )
    .withPanel(
      timeSeries('Inference calls by outcome', units.OpsPerSecond, [
        { expr: rate('recommendations_inference_calls_total', '', 'model, outcome'), legend: '{{model}} {{outcome}}' },
      ]),
    )
    .withPanel(timeSeries('Rows per inference call', units.Short, quantiles('recommendations_inference_rows', '', 'model')))
    .withPanel(
      timeSeries('Impressions by variant', units.OpsPerSecond, [
        { expr: rate('recommendations_impressions_total', '', 'variant'), legend: '{{variant}}' },
      ]),
    )
    .withRow(row('Inference server'))
    .withPanel(
      timeSeries('Requests by model and version', units.RequestsPerSecond, [
        { expr: rate('inference_requests_total', '', 'model, version'), legend: '{{model}} v{{version}}' },
      ]),
    )
    .withPanel(timeSeries('Request latency', units.Seconds, quantiles('inference_request_duration_seconds', '', 'model')))
    .withPanel(
      timeSeries('Errors by status', units.RequestsPerSecond, [
        { expr: rate('inference_errors_total', '', 'model, status'), legend: '{{model}} {{status}}' },
      ]),
    )
    .withPanel(
      timeSeries('Queue wait and execution, p95', units.Seconds, [
        { expr: quantile(0.95, 'inference_queue_delay_seconds', '', 'model'), legend: 'queue wait {{model}}' },
        { expr: quantile(0.95, 'inference_compute_seconds', '', 'model'), legend: 'execution {{model}}' },
      ]),
    )
    .withPanel(timeSeries('Rows per batch', units.Short, quantiles('inference_batch_size', '', 'model')))
    .withPanel(timeSeries('Queue depth', units.Short, [{ expr: 'sum by (model) (inference_queue_depth)', legend: '{{model}}' }]))
    .build();
