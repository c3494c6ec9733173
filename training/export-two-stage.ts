/**
 * Publishes the two-stage pipeline's models next to the recommender: `transitions` and
 * `co_occurrence` (sparse item-to-item recall), `content_similar` (content recall) and `ranker`
 * (the MLP over ranking/features.ts). Each is an ONNX graph built by training/onnx/recall-graphs.ts
 * with a Triton-style config, dynamic batching on.
 */
import { FEATURE_COUNT, FEATURE_NAMES } from '../ranking/features';
import { EXCLUDE_MAX_WIDTH, INDEX_PAD, RECENT_MAX_WIDTH, TENSORS, TWO_STAGE_MODELS, WEIGHT_PAD } from '../platform/model-contract';
import { buildContentRecall, buildMlpScorer, buildSparseRecall } from './onnx/recall-graphs';
import type { ModelConfig, TensorConfig } from '../inference/repository/model-config';
import { publishModelVersion } from '../inference/repository/model-repository';
import type { RetentionOptions } from '../inference/repository/retention';
import type { TwoStageModels } from './two-stage';

export interface PublishedTwoStage {
  transitions: number;
  coOccurrence: number;
  content: number;
  ranker: number;
}

/** Candidates of every user of one operation go to the ranker in one request; this bounds it. */
export const RANKER_MAX_BATCH = 16_384;

const DYNAMIC_BATCHING = {
  max_queue_delay_microseconds: 1000,
  default_queue_policy: { max_queue_size: 1024, default_timeout_microseconds: 5_000_000 },
};

function config(name: string, maxBatchSize: number, input: TensorConfig[], output: TensorConfig[]): ModelConfig {
  return {
    name,
    platform: 'onnxruntime_onnx',
    max_batch_size: maxBatchSize,
    input,
    output,
    dynamic_batching: DYNAMIC_BATCHING,
    version_policy: { latest: { num_versions: 1 } },
    instance_group: [{ count: 1, kind: 'KIND_AUTO' }],
  };
}

function recallConfig(name: string, k: number, maxBatchSize: number, normalized: boolean): ModelConfig {
  return config(
    name,
    maxBatchSize,
    [
      { name: TENSORS.recentItems, data_type: 'TYPE_INT64', dims: [-1], pad_value: INDEX_PAD, max_dims: [RECENT_MAX_WIDTH] },
      { name: TENSORS.recentWeights, data_type: 'TYPE_FP32', dims: [-1], pad_value: WEIGHT_PAD, max_dims: [RECENT_MAX_WIDTH] },
      { name: TENSORS.exclude, data_type: 'TYPE_INT64', dims: [-1], pad_value: INDEX_PAD, max_dims: [EXCLUDE_MAX_WIDTH] },
    ],
    [
      { name: TENSORS.itemIndex, data_type: 'TYPE_INT64', dims: [k] },
      { name: TENSORS.score, data_type: 'TYPE_FP32', dims: [k] },
      ...(normalized ? [{ name: TENSORS.normalizedScore, data_type: 'TYPE_FP32' as const, dims: [k] }] : []),
    ],
  );
}

export async function publishTwoStageModels(
  repository: string,
  models: TwoStageModels,
  items: string[],
  options: { k: number; maxBatchSize: number; training?: Record<string, unknown>; retention?: RetentionOptions },
): Promise<PublishedTwoStage> {
  const n = items.length;
  const k = Math.max(1, Math.min(options.k, n));
  const bounds = { [TENSORS.recentItems]: [INDEX_PAD, n] as [number, number], [TENSORS.exclude]: [INDEX_PAD, n + 1] as [number, number] };
  const metadata = { input_bounds: bounds, num_items: n, training: options.training };
  const sparse = async (name: string, model: TwoStageModels['transitions']) =>
    publishModelVersion(
      repository,
      {
        config: recallConfig(name, k, options.maxBatchSize, Boolean(model.normalized)),
        onnx: buildSparseRecall({
          name,
          numItems: n,
          width: model.width,
          neighbours: model.neighbours,
          weights: model.weights,
          normalized: model.normalized,
          k,
        }),
        metadata: { ...metadata, width: model.width },
        ids: { items },
      },
      options.retention,
    );
  const transitions = await sparse(TWO_STAGE_MODELS.transitions, models.transitions);
  const coOccurrence = await sparse(TWO_STAGE_MODELS.coOccurrence, models.coOccurrence);
  const content = await publishModelVersion(
    repository,
    {
      config: recallConfig(TWO_STAGE_MODELS.content, k, options.maxBatchSize, false),
      onnx: buildContentRecall({
        name: TWO_STAGE_MODELS.content,
        numItems: n,
        dims: models.content.dims,
        vectors: models.content.vectors,
        k,
      }),
      metadata: { ...metadata, tokens: models.content.tokens },
      // The item facts the ranker's category_affinity needs at serving time, versioned with the model.
      ids: { items, content: items.map((id) => [...(models.itemContent.get(id) ?? [])]) },
    },
    options.retention,
  );
  const { ranker } = models;
  const rankerVersion = await publishModelVersion(
    repository,
    {
      config: config(
        TWO_STAGE_MODELS.ranker,
        RANKER_MAX_BATCH,
        [{ name: TENSORS.features, data_type: 'TYPE_FP32', dims: [FEATURE_COUNT] }],
        [{ name: TENSORS.score, data_type: 'TYPE_FP32', dims: [1] }],
      ),
      onnx: buildMlpScorer({ name: TWO_STAGE_MODELS.ranker, ...ranker }),
      metadata: {
        input_bounds: {},
        features: FEATURE_NAMES,
        hidden: ranker.hidden,
        training: { ...options.training, queries: models.queries, recall_versions: { transitions, coOccurrence, content } },
      },
      // The ranker scores feature rows; it has no id maps, but clients read `items` from every config.
      ids: { items: [] },
    },
    options.retention,
  );
  return { transitions, coOccurrence, content, ranker: rankerVersion };
}
