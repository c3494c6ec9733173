/** The recommendations subgraph: its pipelines and how long it waits for others. */
import { declareOptions, option } from '../option';

export const recommendationOptions = declareOptions('Recommendations', {
  RECOMMENDATIONS_BATCHING: option.switch({
    default: true,
    description: 'Per-request batching; off (or false, no, 0) disables it (benchmarks, incidents).',
  }),
  RECOMMENDATIONS_CACHE: option.switch({
    default: true,
    description: 'The candidate cache; off (or false, no, 0) disables it (benchmarks, incidents).',
  }),
  INFERENCE_DEADLINE_MS: option.int({
    default: 500,
    description: 'How long recommendations wait for the model before popularity answers.',
  }),
  RECOMMENDATIONS_PRODUCTS_DEADLINE_MS: option.int({
    default: 3_000,
    description: 'How long recommendations wait for stock and category from products before answering without them (degraded).',
  }),
  // The two-stage pipeline is the better one; lowering this runs the experiment against the one-stage one.
  RECOMMENDATIONS_TWO_STAGE_PERCENT: option.percent({
    default: 100,
    description: 'Share of users (by a stable hash of the user id) served by the two-stage pipeline; the rest one-stage.',
  }),
});
