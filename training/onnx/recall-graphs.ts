/**
 * ONNX graphs of the sequence and content recall models. Both take a user's recent items with
 * weights (newest first, padded with -1 / 0) and an exclusion list, and answer top-k item_index and
 * score like the recommender does, so the same client code decodes them.
 *
 * Sparse item-to-item (`transitions`, `co_occurrence`): each item keeps its top-S neighbours and
 * weights (tables [N+1, S]; row N is the padding row, all weight 0 on the padding column N), so the
 * model is O(N·S), never N×N, and scales to 50k items:
 *
 *   recent_items [B,L] ─Gather→ neighbours [B,L,S], weights [B,L,S] × recent_weights[B,L,1]
 *   ─ScatterElements(reduction=add) into zeros [B,N+1]→ scores ─mask exclude→ TopK
 *
 * An optional second weight table (e.g. out-degree-normalised transition probabilities) is summed
 * the same way and read back at the top-k positions as `normalized_score`.
 *
 * Content (`content_similar`): the cosine between the weighted mean of the recent items' content
 * vectors and every item's vector — one MatMul against [C, N+1].
 */
import { TENSORS } from '../../platform/model-contract';
import { GraphBuilder } from './graph-builder';
import { OnnxDataType } from './onnx-proto';

export interface SparseRecallSpec {
  name: string;
  numItems: number;
  /** Neighbours per item. */
  width: number;
  /** [numItems × width] neighbour indices; -1 = no neighbour in that slot. */
  neighbours: Int32Array;
  /** [numItems × width] weights. */
  weights: Float32Array;
  /** Optional second weights, summed alike and returned as normalized_score. */
  normalized?: Float32Array;
  k: number;
  metadata?: Record<string, string>;
}

export function buildSparseRecall(spec: SparseRecallSpec): Uint8Array {
  const { numItems: n, width: s } = spec;
  if (spec.neighbours.length !== n * s || spec.weights.length !== n * s) throw new Error('tables must be numItems × width');
  const k = Math.max(1, Math.min(spec.k, n));
  const index = new Array<number>((n + 1) * s).fill(n);
  const weights = new Float32Array((n + 1) * s);
  const normalized = spec.normalized ? new Float32Array((n + 1) * s) : undefined;
  for (let p = 0; p < n * s; p++) {
    if (spec.neighbours[p] < 0) continue;
    index[p] = spec.neighbours[p];
    weights[p] = spec.weights[p];
    if (normalized) normalized[p] = spec.normalized![p];
  }

  const g = new GraphBuilder(spec.name);
  const { recent, recentWeights, exclude } = recallInputsAndOutputs(g, k, normalized !== undefined);

  const indexTable = g.int64Tensor('neighbour_index', [n + 1, s], index);
  const [idx] = g.node('Gather', [indexTable, recent], { axis: 0 });
  const [flatIdx] = g.node('Reshape', [idx, g.int64Tensor('flat2', [2], [0, -1])]);
  const [recentShape] = g.node('Shape', [recent]);
  const [batchDim] = g.node('Slice', [recentShape, g.int64Tensor('zero1', [1], [0]), g.int64Tensor('one1', [1], [1])]);
  const [zerosShape] = g.node('Concat', [batchDim, g.int64Tensor('columns', [1], [n + 1])], { axis: 0 });
  const [zeros] = g.node('ConstantOfShape', [zerosShape]);
  const [w3] = g.node('Unsqueeze', [recentWeights, g.int64Tensor('axis2', [1], [2])]);
  const summed = (table: Float32Array, tableName: string): string => {
    const [w] = g.node('Gather', [g.floatTensor(tableName, [n + 1, s], table), recent], { axis: 0 });
    const [weighted] = g.node('Mul', [w, w3]);
    const [flatW] = g.node('Reshape', [weighted, 'flat2']);
    const [scores] = g.node('ScatterElements', [zeros, flatIdx, flatW], { axis: 1, reduction: 'add' });
    return scores;
  };
  const scores = summed(weights, 'neighbour_weight');
  const topIndex = maskAndTopK(g, scores, exclude, k);
  if (normalized) {
    const normScores = summed(normalized, 'neighbour_normalized');
    g.node('GatherElements', [normScores, topIndex], { axis: 1 }, [TENSORS.normalizedScore]);
  }
  return g.encode(spec.metadata);
}

export interface ContentRecallSpec {
  name: string;
  numItems: number;
  /** Content dimensions (one-hot categories, brands, price bands; genres). */
  dims: number;
  /** [numItems × dims] content vectors (need not be normalised). */
  vectors: Float32Array;
  k: number;
  metadata?: Record<string, string>;
}

export function buildContentRecall(spec: ContentRecallSpec): Uint8Array {
  const { numItems: n, dims: c } = spec;
  if (spec.vectors.length !== n * c) throw new Error('vectors must be numItems × dims');
  const k = Math.max(1, Math.min(spec.k, n));
  const unit = new Float32Array((n + 1) * c);
  const unitT = new Float32Array(c * (n + 1));
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < c; d++) norm += spec.vectors[i * c + d] ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < c; d++) {
      unit[i * c + d] = spec.vectors[i * c + d] * scale;
      unitT[d * (n + 1) + i] = unit[i * c + d];
    }
  }

  const g = new GraphBuilder(spec.name);
  const { recent, recentWeights, exclude } = recallInputsAndOutputs(g, k, false);

  const [vectors] = g.node('Gather', [g.floatTensor('content', [n + 1, c], unit), recent], { axis: 0 });
  const [w3] = g.node('Unsqueeze', [recentWeights, g.int64Tensor('axis2', [1], [2])]);
  const [weighted] = g.node('Mul', [vectors, w3]);
  const [profile] = g.node('ReduceSum', [weighted, g.int64Tensor('axis1', [1], [1])], { keepdims: 0 });
  const [norm] = g.node('ReduceL2', [profile], { axes: [1], keepdims: 1 });
  // A history with no known item has a zero profile: the epsilon keeps its scores 0, not NaN.
  const [safeNorm] = g.node('Add', [norm, g.floatTensor('epsilon', [1], Float32Array.of(1e-6))]);
  const [unitProfile] = g.node('Div', [profile, safeNorm]);
  const [scores] = g.node('MatMul', [unitProfile, g.floatTensor('content_t', [c, n + 1], unitT)]);
  maskAndTopK(g, scores, exclude, k);
  return g.encode(spec.metadata);
}

/** Sets excluded columns to -inf and writes TopK into the item_index and score outputs; returns the index name. */
/** The tensors every recall model declares (the `recallConfig` of export-two-stage.ts, as ONNX). */
function recallInputsAndOutputs(g: GraphBuilder, k: number, normalized: boolean) {
  const recent = g.input(TENSORS.recentItems, OnnxDataType.INT64, ['batch', 'recent']);
  const recentWeights = g.input(TENSORS.recentWeights, OnnxDataType.FLOAT, ['batch', 'recent']);
  const exclude = g.input(TENSORS.exclude, OnnxDataType.INT64, ['batch', 'excluded']);
  g.output(TENSORS.itemIndex, OnnxDataType.INT64, ['batch', k]);
  g.output(TENSORS.score, OnnxDataType.FLOAT, ['batch', k]);
  if (normalized) g.output(TENSORS.normalizedScore, OnnxDataType.FLOAT, ['batch', k]);
  return { recent, recentWeights, exclude };
}

function maskAndTopK(g: GraphBuilder, scores: string, exclude: string, k: number): string {
  const [excludedShape] = g.node('Shape', [exclude]);
  const [updates] = g.node('Expand', [g.floatTensor('minus_inf', [1], Float32Array.of(-Infinity)), excludedShape]);
  const [masked] = g.node('ScatterElements', [scores, exclude, updates], { axis: 1 });
  g.node('TopK', [masked, g.int64Tensor('k', [1], [k])], { axis: 1, largest: 1, sorted: 1 }, [TENSORS.score, TENSORS.itemIndex]);
  return TENSORS.itemIndex;
}

export interface MlpScorerSpec {
  name: string;
  features: number;
  hidden: number;
  /** Standardisation baked into the graph: x' = (x − mean) / scale. */
  mean: Float32Array;
  scale: Float32Array;
  /** [features × hidden] */
  w1: Float32Array;
  b1: Float32Array;
  /** [hidden] */
  w2: Float32Array;
  /** Linear skip connection [features]. */
  linear: Float32Array;
  bias: number;
  metadata?: Record<string, string>;
}

/** The ranker: features [B,F] → score [B,1] = w2·relu(W1ᵀx' + b1) + linear·x' + bias. */
export function buildMlpScorer(spec: MlpScorerSpec): Uint8Array {
  const { features: f, hidden: h } = spec;
  const g = new GraphBuilder(spec.name);
  const x = g.input(TENSORS.features, OnnxDataType.FLOAT, ['batch', f]);
  g.output(TENSORS.score, OnnxDataType.FLOAT, ['batch', 1]);
  const [centred] = g.node('Sub', [x, g.floatTensor('mean', [f], spec.mean)]);
  const [scaled] = g.node('Div', [centred, g.floatTensor('scale', [f], spec.scale)]);
  const [hidden] = g.node('MatMul', [scaled, g.floatTensor('w1', [f, h], spec.w1)]);
  const [biased] = g.node('Add', [hidden, g.floatTensor('b1', [h], spec.b1)]);
  const [relu] = g.node('Relu', [biased]);
  const [deep] = g.node('MatMul', [relu, g.floatTensor('w2', [h, 1], spec.w2)]);
  const [wide] = g.node('MatMul', [scaled, g.floatTensor('linear', [f, 1], spec.linear)]);
  const [sum] = g.node('Add', [deep, wide]);
  g.node('Add', [sum, g.floatTensor('bias', [1], Float32Array.of(spec.bias))], {}, [TENSORS.score]);
  return g.encode(spec.metadata);
}
