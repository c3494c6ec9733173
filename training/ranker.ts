/**
 * The learned ranker: a small MLP with a linear skip connection, trained listwise — for each query
 * (a user at one moment) a softmax over its candidates, maximising the probability of the item the
 * user took next. Features are standardised with the training mean and deviation, which the ONNX
 * graph applies itself. Adam, seeded initialisation and shuffling: the same data gives the same model.
 */
import type { MlpScorerSpec } from './onnx/recall-graphs';
import { seededNormal, seededRandom } from './rng';

export interface RankerQuery {
  /** [rows × features] row-major. */
  features: Float32Array;
  rows: number;
  /** Row of the item taken next. */
  label: number;
}

export interface RankerOptions {
  hidden: number;
  epochs: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW), per step, relative to the learning rate. */
  weightDecay: number;
  seed: number;
}

export const DEFAULT_RANKER: RankerOptions = { hidden: 16, epochs: 15, learningRate: 0.01, weightDecay: 1e-4, seed: 42 };

/** The trained network: exactly what the served graph is built from (recall-graphs.ts), less its name. */
export type RankerModel = Omit<MlpScorerSpec, 'name' | 'metadata'>;

export function trainRanker(queries: readonly RankerQuery[], features: number, options: Partial<RankerOptions> = {}): RankerModel {
  const opts = { ...DEFAULT_RANKER, ...options };
  const f = features;
  const h = opts.hidden;
  const { mean, scale } = standardisation(queries, f);
  const data = queries.map((q) => {
    const x = new Float64Array(q.rows * f);
    for (let r = 0; r < q.rows; r++) for (let j = 0; j < f; j++) x[r * f + j] = (q.features[r * f + j] - mean[j]) / scale[j];
    return { x, rows: q.rows, label: q.label };
  });
  const normal = seededNormal(opts.seed);
  const random = seededRandom(opts.seed + 1);
  // One flat parameter vector: w1 [f×h] | b1 [h] | w2 [h] | linear [f] | bias.
  const size = f * h + h + h + f + 1;
  const params = new Float64Array(size);
  for (let p = 0; p < f * h; p++) params[p] = normal() * Math.sqrt(1 / f);
  for (let p = 0; p < h; p++) params[f * h + h + p] = normal() * Math.sqrt(1 / h);
  const grad = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const W2 = f * h + h;
  const LIN = W2 + h;
  let step = 0;
  let hiddenBuf = new Float64Array(0);
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const qi of order) {
      const q = data[qi];
      if (hiddenBuf.length < q.rows * h) hiddenBuf = new Float64Array(q.rows * h);
      const scores = forward(params, q.x, q.rows, f, h, hiddenBuf);
      let max = -Infinity;
      for (const s of scores) max = Math.max(max, s);
      let z = 0;
      for (let r = 0; r < q.rows; r++) z += scores[r] = Math.exp(scores[r] - max);
      grad.fill(0);
      for (let r = 0; r < q.rows; r++) {
        const g = scores[r] / z - (r === q.label ? 1 : 0);
        if (Math.abs(g) < 1e-7) continue;
        const xo = r * f;
        for (let j = 0; j < f; j++) grad[LIN + j] += g * q.x[xo + j];
        grad[size - 1] += g;
        for (let k = 0; k < h; k++) {
          const a = hiddenBuf[r * h + k];
          if (a <= 0) continue;
          grad[W2 + k] += g * a;
          const gh = g * params[W2 + k];
          grad[f * h + k] += gh;
          for (let j = 0; j < f; j++) grad[j * h + k] += gh * q.x[xo + j];
        }
      }
      step++;
      const lr = opts.learningRate;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let p = 0; p < size; p++) {
        m[p] = 0.9 * m[p] + 0.1 * grad[p];
        v[p] = 0.999 * v[p] + 0.001 * grad[p] * grad[p];
        params[p] -= lr * (m[p] / c1 / (Math.sqrt(v[p] / c2) + 1e-8) + opts.weightDecay * params[p]);
      }
    }
  }
  return {
    features: f,
    hidden: h,
    mean: Float32Array.from(mean),
    scale: Float32Array.from(scale),
    w1: Float32Array.from(params.subarray(0, f * h)),
    b1: Float32Array.from(params.subarray(f * h, f * h + h)),
    w2: Float32Array.from(params.subarray(W2, W2 + h)),
    linear: Float32Array.from(params.subarray(LIN, LIN + f)),
    bias: params[size - 1],
  };
}

/** The ranker in JS (the reference the ONNX graph is tested against): one score per row of raw features. */
export function scoreRows(model: RankerModel, features: Float32Array, rows: number): Float64Array {
  const { features: f, hidden: h } = model;
  const x = new Float64Array(rows * f);
  for (let r = 0; r < rows; r++) for (let j = 0; j < f; j++) x[r * f + j] = (features[r * f + j] - model.mean[j]) / model.scale[j];
  const params = new Float64Array(f * h + h + h + f + 1);
  params.set(model.w1, 0);
  params.set(model.b1, f * h);
  params.set(model.w2, f * h + h);
  params.set(model.linear, f * h + 2 * h);
  params[params.length - 1] = model.bias;
  return forward(params, x, rows, f, h, new Float64Array(rows * h));
}

function forward(params: Float64Array, x: Float64Array, rows: number, f: number, h: number, hidden: Float64Array): Float64Array {
  const W2 = f * h + h;
  const LIN = W2 + h;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const xo = r * f;
    let s = params[params.length - 1];
    for (let j = 0; j < f; j++) s += params[LIN + j] * x[xo + j];
    for (let k = 0; k < h; k++) {
      let a = params[f * h + k];
      for (let j = 0; j < f; j++) a += params[j * h + k] * x[xo + j];
      a = a > 0 ? a : 0;
      hidden[r * h + k] = a;
      s += params[W2 + k] * a;
    }
    out[r] = s;
  }
  return out;
}

function standardisation(queries: readonly RankerQuery[], f: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(f);
  const scale = new Float64Array(f);
  let n = 0;
  for (const q of queries) for (let r = 0; r < q.rows; r++, n++) for (let j = 0; j < f; j++) mean[j] += q.features[r * f + j];
  for (let j = 0; j < f; j++) mean[j] /= Math.max(1, n);
  for (const q of queries) for (let r = 0; r < q.rows; r++) for (let j = 0; j < f; j++) scale[j] += (q.features[r * f + j] - mean[j]) ** 2;
  // A constant feature keeps scale 1 (it then contributes nothing, instead of dividing by zero).
  for (let j = 0; j < f; j++) scale[j] = Math.sqrt(scale[j] / Math.max(1, n)) || 1;
  return { mean, scale };
}
