/**
 * Turns trained factors into the two served models and publishes them to the repository:
 *
 * - `recommender`:   user_index [batch,1], exclude [batch,E]       → top-k item_index, score
 * - `similar_items`: query_item_index [batch,1], exclude [batch,E] → top-k item_index, score
 *                    (cosine similarity of item factors; the query item itself is never returned)
 *
 * The recommender's query table has one extra row after the known users: the cold-start row
 * (mean user vector, which ranks items close to popularity) for users the model has not seen.
 * `exclude` rows are padded with -1, which ScatterElements reads as the last column — the
 * padding item — so -1 means "nothing" for every version whatever its item count. `exclude` is a
 * required input (send [[-1]] per row to exclude nothing): Triton's onnxruntime backend cannot
 * leave out an input the ONNX graph declares, so both servers demand it alike.
 */
import { EXCLUDE_MAX_WIDTH, INDEX_PAD, RECOMMENDER, SIMILAR_ITEMS, TENSORS } from '../platform/model-contract';
import { buildTopKScorer } from './onnx/top-k-scorer';
import type { ModelConfig } from '../inference/repository/model-config';
import { publishModelVersion } from '../inference/repository/model-repository';
import type { RetentionOptions } from '../inference/repository/retention';
import type { AlsModel } from './als';

export interface ExportOptions {
  /** Items returned per row (callers over-fetch and filter). */
  k: number;
  maxBatchSize: number;
  training?: Record<string, unknown>;
  /** What each publish keeps of the versions before it (inference/repository/retention.ts). */
  retention?: RetentionOptions;
}

export const DEFAULT_EXPORT: ExportOptions = { k: 100, maxBatchSize: 256 };

export function servingConfig(name: string, queryInput: string, k: number, maxBatchSize: number): ModelConfig {
  return {
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: maxBatchSize,
    input: [
      { name: queryInput, data_type: 'TYPE_INT64', dims: [1] },
      { name: TENSORS.exclude, data_type: 'TYPE_INT64', dims: [-1], pad_value: INDEX_PAD, max_dims: [EXCLUDE_MAX_WIDTH] },
    ],
    output: [
      { name: TENSORS.itemIndex, data_type: 'TYPE_INT64', dims: [k] },
      { name: TENSORS.score, data_type: 'TYPE_FP32', dims: [k] },
    ],
    dynamic_batching: {
      max_queue_delay_microseconds: 1000,
      default_queue_policy: { max_queue_size: 1024, default_timeout_microseconds: 5_000_000 },
    },
    version_policy: { latest: { num_versions: 1 } },
    instance_group: [{ count: 1, kind: 'KIND_AUTO' }],
  };
}

export function recommenderOnnx(
  model: AlsModel,
  numUsers: number,
  numItems: number,
  k: number,
  metadata: Record<string, string> = {},
): Uint8Array {
  const f = model.factors;
  const queries = new Float32Array((numUsers + 1) * f);
  queries.set(model.userFactors.subarray(0, numUsers * f));
  const coldStart = queries.subarray(numUsers * f);
  for (let u = 0; u < numUsers; u++) for (let j = 0; j < f; j++) coldStart[j] += model.userFactors[u * f + j] / Math.max(1, numUsers);
  return buildTopKScorer({
    name: RECOMMENDER,
    queryInput: TENSORS.userIndex,
    queries,
    numQueries: numUsers + 1,
    items: model.itemFactors,
    numItems,
    factors: f,
    k,
    metadata,
  });
}

export function similarItemsOnnx(model: AlsModel, numItems: number, k: number, metadata: Record<string, string> = {}): Uint8Array {
  const f = model.factors;
  const normalized = new Float32Array(model.itemFactors.length);
  for (let i = 0; i < numItems; i++) {
    let norm = 0;
    for (let j = 0; j < f; j++) norm += model.itemFactors[i * f + j] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < f; j++) normalized[i * f + j] = model.itemFactors[i * f + j] * scale;
  }
  return buildTopKScorer({
    name: SIMILAR_ITEMS,
    queryInput: TENSORS.queryItemIndex,
    queries: normalized,
    numQueries: numItems,
    items: normalized,
    numItems,
    factors: f,
    k,
    excludeQueryItself: true,
    metadata,
  });
}

export interface PublishedModels {
  recommender: number;
  similarItems: number;
}

export async function publishTrainedModels(
  repository: string,
  model: AlsModel,
  ids: { users: string[]; items: string[] },
  options: Partial<ExportOptions> = {},
): Promise<PublishedModels> {
  const k = options.k ?? DEFAULT_EXPORT.k;
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_EXPORT.maxBatchSize;
  const training = options.training;
  const numUsers = ids.users.length;
  const numItems = ids.items.length;
  const kk = Math.min(k, numItems);
  const itemBounds: [number, number] = [INDEX_PAD, numItems + 1];
  const recommender = await publishModelVersion(
    repository,
    {
      config: servingConfig(RECOMMENDER, TENSORS.userIndex, kk, maxBatchSize),
      onnx: recommenderOnnx(model, numUsers, numItems, kk),
      metadata: {
        input_bounds: { [TENSORS.userIndex]: [0, numUsers + 1], [TENSORS.exclude]: itemBounds },
        num_users: numUsers,
        num_items: numItems,
        factors: model.factors,
        cold_start_index: numUsers,
        training,
      },
      ids: { users: ids.users, items: ids.items, cold_start_index: numUsers },
    },
    options.retention,
  );
  const similarItems = await publishModelVersion(
    repository,
    {
      config: servingConfig(SIMILAR_ITEMS, TENSORS.queryItemIndex, kk, maxBatchSize),
      onnx: similarItemsOnnx(model, numItems, kk),
      metadata: {
        input_bounds: { [TENSORS.queryItemIndex]: [0, numItems], [TENSORS.exclude]: itemBounds },
        num_items: numItems,
        factors: model.factors,
        training,
      },
      ids: { items: ids.items },
    },
    options.retention,
  );
  return { recommender, similarItems };
}
