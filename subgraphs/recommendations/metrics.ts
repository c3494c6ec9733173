import { Counter, Histogram } from 'prom-client';
import { registry } from '../../platform/metrics';

export const inferenceCalls = new Counter({
  name: 'recommendations_inference_calls_total',
  help: 'Inference requests sent by the recommendations subgraph, by model and outcome',
  labelNames: ['model', 'outcome'] as const,
  registers: [registry],
});

export const inferenceRows = new Histogram({
  name: 'recommendations_inference_rows',
  help: 'Rows (users or products) per inference request',
  labelNames: ['model'] as const,
  buckets: [1, 2, 5, 10, 25, 50, 100, 200, 256],
  registers: [registry],
});

export const cacheLookups = new Counter({
  name: 'recommendations_cache_lookups_total',
  help: 'Recommendation cache lookups, by result (hit or miss)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const fallbacks = new Counter({
  name: 'recommendations_fallbacks_total',
  help: 'Recommendation lists made without part of the pipeline (popularity instead of the model; no stock check when products is unavailable), by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const lists = new Counter({
  name: 'recommendations_lists_total',
  help: "Lists User.recommendations served, by what made them (two_stage, one_stage, popularity) and reason (none, else the fallback reason recommendations_fallbacks_total counts: the models' failure for popularity lists, products_unavailable for a model list made without stock and categories)",
  labelNames: ['served_by', 'reason'] as const,
  registers: [registry],
});

/** The A/B between pipelines, read live: impressions and what users then did, per arm. */
export const impressions = new Counter({
  name: 'recommendations_impressions_total',
  help: 'Recommended products returned to clients by User.recommendations, by A/B variant (pipeline) and placement',
  labelNames: ['variant', 'placement'] as const,
  registers: [registry],
});

export const attributedInteractions = new Counter({
  name: 'recommendations_interactions_total',
  help: 'Views, adds to cart and purchases of a product recommended to the same user in the attribution window, by the variant of its last impression and kind (VIEW, ADD_TO_CART, PURCHASE)',
  labelNames: ['variant', 'kind'] as const,
  registers: [registry],
});

export const variantFallbacks = new Counter({
  name: 'recommendations_variant_fallbacks_total',
  help: 'Users assigned the two-stage pipeline but served by the one-stage one, by reason (absent: none configured; failed: it rejected; timeout, overloaded, down, circuit_open, bad_response: its models could not answer in its share of the deadline, and the users stepped down)',
  labelNames: ['reason'] as const,
  registers: [registry],
});
