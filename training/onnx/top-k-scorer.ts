/**
 * The recommender's ONNX graph: the model does the scoring and the top-K itself, so a Triton or
 * any other ONNX server returns the same answer as ours.
 *
 *   query_index [batch,1] ─Gather(queries)→ [batch,F+1] ─MatMul(keysᵀ)→ scores [batch,N+1]
 *   exclude [batch,E] ─ScatterElements(-inf)→ masked scores ─TopK(k)→ item_index, score [batch,k]
 *
 * Why the extra "+1": every query row ends in a constant 1 and the keys get one more row holding a
 * per-item bias. Real items have bias 0 (or a prior); one extra dummy item column N carries a very
 * low bias, so callers can pad `exclude` rows with N ("exclude nothing") and the dummy never wins.
 * That keeps the graph to four heavy ops, with no separate mask tensor to build and add.
 */
import { TENSORS } from '../../platform/model-contract';
import { GraphBuilder } from './graph-builder';
import { OnnxDataType } from './onnx-proto';

export interface TopKScorerSpec {
  /** Graph name, written into the model. */
  name: string;
  /** Name of the index input, e.g. "user_index" or "item_index". */
  queryInput: string;
  /** Query embeddings, row-major [numQueries × factors]. */
  queries: Float32Array;
  numQueries: number;
  /** Item embeddings, row-major [numItems × factors]. */
  items: Float32Array;
  numItems: number;
  factors: number;
  /** Optional per-item additive prior (length numItems). */
  itemBias?: Float32Array;
  /** How many items the model returns per row (clamped to numItems). */
  k: number;
  /** Similar-items model: never return the query item itself. */
  excludeQueryItself?: boolean;
  metadata?: Record<string, string>;
}

/** Score of the padding column: far below any real score, far above an excluded one (-inf). */
const PADDING_BIAS = -1e30;

export function buildTopKScorer(spec: TopKScorerSpec): Uint8Array {
  const { numQueries, numItems, factors } = spec;
  if (spec.queries.length !== numQueries * factors) throw new Error('queries must be numQueries × factors');
  if (spec.items.length !== numItems * factors) throw new Error('items must be numItems × factors');
  const k = Math.max(1, Math.min(spec.k, numItems));
  const width = factors + 1;

  const queries = new Float32Array(numQueries * width);
  for (let q = 0; q < numQueries; q++) {
    queries.set(spec.queries.subarray(q * factors, (q + 1) * factors), q * width);
    queries[q * width + factors] = 1;
  }
  // keysᵀ: [F+1, N+1], so MatMul needs no Transpose at run time.
  const keysT = new Float32Array(width * (numItems + 1));
  const cols = numItems + 1;
  for (let i = 0; i < numItems; i++) {
    for (let f = 0; f < factors; f++) keysT[f * cols + i] = spec.items[i * factors + f];
    keysT[factors * cols + i] = spec.itemBias ? spec.itemBias[i] : 0;
  }
  keysT[factors * cols + numItems] = PADDING_BIAS;

  const g = new GraphBuilder(spec.name);
  const queryIndex = g.input(spec.queryInput, OnnxDataType.INT64, ['batch', 1]);
  const exclude = g.input(TENSORS.exclude, OnnxDataType.INT64, ['batch', 'excluded']);
  g.output(TENSORS.itemIndex, OnnxDataType.INT64, ['batch', k]);
  g.output(TENSORS.score, OnnxDataType.FLOAT, ['batch', k]);

  const queryTable = g.floatTensor('queries', [numQueries, width], queries);
  const keyTable = g.floatTensor('keys_t', [width, cols], keysT);
  const flat = g.int64Tensor('flat_shape', [1], [-1]);
  const minusInf = g.floatTensor('minus_inf', [1], Float32Array.of(-Infinity));
  const kTensor = g.int64Tensor('k', [1], [k]);

  const [idx] = g.node('Reshape', [queryIndex, flat]);
  const [rows] = g.node('Gather', [queryTable, idx], { axis: 0 });
  const [scores] = g.node('MatMul', [rows, keyTable]);
  const [excluded] = spec.excludeQueryItself ? g.node('Concat', [exclude, queryIndex], { axis: 1 }) : [exclude];
  const [excludedShape] = g.node('Shape', [excluded]);
  const [updates] = g.node('Expand', [minusInf, excludedShape]);
  const [masked] = g.node('ScatterElements', [scores, excluded, updates], { axis: 1 });
  g.node('TopK', [masked, kTensor], { axis: 1, largest: 1, sorted: 1 }, [TENSORS.score, TENSORS.itemIndex]);
  return g.encode(spec.metadata);
}

/**
 * The practical-limit reference for the benchmark: one plain MatMul [batch,F] × [F,N] → `c`.
 * `c_head` is c's first column: fetching only it makes onnxruntime compute the full MatMul without
 * copying the [batch,N] result back to JavaScript, so the timing is the MatMul alone.
 */
export function buildPlainMatMul(factors: number, numItems: number, items: Float32Array): Uint8Array {
  const g = new GraphBuilder('plain_matmul');
  const a = g.input('a', OnnxDataType.FLOAT, ['batch', factors]);
  g.output('c', OnnxDataType.FLOAT, ['batch', numItems]);
  g.output('c_head', OnnxDataType.FLOAT, ['batch', 1]);
  const bT = new Float32Array(factors * numItems);
  for (let i = 0; i < numItems; i++) for (let f = 0; f < factors; f++) bT[f * numItems + i] = items[i * factors + f];
  const b = g.floatTensor('b', [factors, numItems], bT);
  g.node('MatMul', [a, b], {}, ['c']);
  g.node(
    'Slice',
    ['c', g.int64Tensor('head_start', [1], [0]), g.int64Tensor('head_end', [1], [1]), g.int64Tensor('head_axis', [1], [1])],
    {},
    ['c_head'],
  );
  return g.encode();
}
