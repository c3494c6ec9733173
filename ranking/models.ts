/**
 * Names of the two-stage pipeline's served models and their tensors: the contract between
 * training, which publishes them, and the recommendations subgraph, which calls them.
 */
export const TWO_STAGE_MODELS = {
  transitions: 'transitions',
  coOccurrence: 'co_occurrence',
  content: 'content_similar',
  ranker: 'ranker',
} as const;

/** Inputs of the sequence and content recall models (outputs: item_index, score[, normalized_score]). */
export const RECALL_INPUTS = { recentItems: 'recent_items', recentWeights: 'recent_weights', exclude: 'exclude' } as const;

/** The ranker: features [batch, FEATURE_COUNT] → score [batch, 1]. */
export const RANKER_TENSORS = { features: 'features', score: 'score' } as const;

/** Content tokens of the platform's products start with this for their category (the rest: price band). */
export const CATEGORY_TOKEN_PREFIX = 'category:';
