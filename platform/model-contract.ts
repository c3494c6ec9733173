/**
 * The recommendation models' contract, defined once: training builds and publishes the models by
 * it, the inference server (or Triton) serves them, and the recommendations subgraph calls them by
 * it across the network. Model names, tensor names, padding, the widest rows a model takes, and how
 * a version's id maps travel in its config.
 */

/** ALS: a user's long-term taste. */
export const RECOMMENDER = 'recommender';
/** ALS item factors: products like a product. */
export const SIMILAR_ITEMS = 'similar_items';

/** The two-stage pipeline's models: three recalls, then the ranker over ranking/features.ts. */
export const TWO_STAGE_MODELS = {
  transitions: 'transitions',
  coOccurrence: 'co_occurrence',
  content: 'content_similar',
  ranker: 'ranker',
} as const;

/**
 * Tensor names:
 * - recommender: user_index [batch,1], exclude [batch,E] → item_index, score [batch,k]
 * - similar_items: query_item_index [batch,1], exclude [batch,E] → item_index, score [batch,k]
 * - transitions, co_occurrence, content_similar: recent_items, recent_weights [batch,L], exclude [batch,E]
 *   → item_index, score[, normalized_score] [batch,k]
 * - ranker: features [batch, FEATURE_COUNT] → score [batch,1]
 */
export const TENSORS = {
  userIndex: 'user_index',
  queryItemIndex: 'query_item_index',
  exclude: 'exclude',
  recentItems: 'recent_items',
  recentWeights: 'recent_weights',
  features: 'features',
  itemIndex: 'item_index',
  score: 'score',
  normalizedScore: 'normalized_score',
} as const;

/**
 * Fills index rows (exclude, recent_items) shorter than the longest one of a batch: every model
 * reads -1 as "nothing", whatever its item count.
 */
export const INDEX_PAD = -1;
/** Fills recent_weights rows alike: a padded slot weighs nothing. */
export const WEIGHT_PAD = 0;

/**
 * The widest `exclude` row a model takes (config `max_dims`): the subgraph sends at most this many
 * of a user's items, and a wider row would pad every row it is batched with to its width.
 */
export const EXCLUDE_MAX_WIDTH = 2048;
/**
 * The longest `recent_items` row: the sparse recall graphs gather one row of neighbours per recent
 * item, so a row of L costs L × width per user. The subgraph sends at most 20 (ranking/history.ts);
 * 64 leaves room for longer recency profiles.
 */
export const RECENT_MAX_WIDTH = 64;

/** Content tokens of the platform's products start with this for their category (the rest: price band). */
export const CATEGORY_TOKEN_PREFIX = 'category:';

/**
 * A version's id maps: which user a query row is and which product a score column is. Published
 * with every version (ids.json) and served in its config's `parameters` under idsParameter(version).
 */
export interface IdMaps {
  /**
   * Row i of the query table belongs to users[i] (recommender) — absent for item-to-item models.
   * ERASED_USER at a row whose user was erased after the version was published.
   */
  users?: string[];
  /** Column j of the scores belongs to items[j]. */
  items: string[];
  /** Query row for users the model has never seen (popularity-like). */
  cold_start_index?: number;
  /** content_similar: each item's content tokens (category, price band; genres), by column. */
  content?: string[][];
}

/**
 * A user's entry in the id maps of a version kept on disk after the user was erased
 * (docs/privacy.md#erasure): the row stays, so no other row's index shifts, but names nobody.
 * Readers skip it; no user id is empty.
 */
export const ERASED_USER = '';

/** The ModelConfig `parameters` key whose string value is a version's IdMaps as JSON. */
export const idsParameter = (version: number | string): string => `ids.${version}`;

/** The ModelConfig `parameters` key that carries an input's `max_dims` (a JSON array), as Triton has no such field. */
export const maxDimsParameter = (input: string): string => `max_dims.${input}`;
