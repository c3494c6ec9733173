/**
 * Reference recommenders computed in the same run as the model, on the same training matrix:
 * ItemPop (interaction counts), item-KNN (cosine item-item similarity, summed over the user's
 * items) and EASE (Steck 2019: closed-form item-item weights, B = I − P·diag(1/diag P), P = (XᵀX+λI)⁻¹).
 * Each returns a scorer: user row → a score for every item.
 */
import { invertSpd } from '../linalg';
import type { InteractionMatrix } from '../interactions';

export type UserScorer = (user: number) => Float64Array;

export function itemPop(matrix: InteractionMatrix): UserScorer {
  const counts = new Float64Array(matrix.items.length);
  for (let i = 0; i < counts.length; i++) counts[i] = matrix.byItem.indptr[i + 1] - matrix.byItem.indptr[i];
  return () => counts;
}

/** Binary co-occurrence XᵀX (items × items), dense. */
export function cooccurrence(matrix: InteractionMatrix): Float64Array {
  const n = matrix.items.length;
  const g = new Float64Array(n * n);
  const { indptr, indices } = matrix.byUser;
  for (let u = 0; u < indptr.length - 1; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const row = indices[p] * n;
      for (let q = indptr[u]; q < indptr[u + 1]; q++) g[row + indices[q]] += 1;
    }
  }
  return g;
}

export function itemKnn(matrix: InteractionMatrix): UserScorer {
  const n = matrix.items.length;
  const sim = cooccurrence(matrix);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(sim[i * n + i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) sim[i * n + j] = i === j || norms[i] === 0 || norms[j] === 0 ? 0 : sim[i * n + j] / (norms[i] * norms[j]);
  }
  return rowSumScorer(matrix, sim);
}

export function ease(matrix: InteractionMatrix, lambda = 300): UserScorer {
  return rowSumScorer(matrix, easeWeights(matrix, lambda));
}

/** EASE's item × item weights B (zero diagonal), for scorers that weigh the user's rows differently. */
export function easeWeights(matrix: InteractionMatrix, lambda = 300): Float64Array {
  const n = matrix.items.length;
  const g = cooccurrence(matrix);
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  const p = invertSpd(g, n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -p[i * n + j] / p[j * n + j];
  }
  return b;
}

/** score(u) = Σ_{i ∈ items(u)} W[i, :] — the user's binary row times an item × item matrix. */
export function rowSumScorer(matrix: InteractionMatrix, weights: Float64Array): UserScorer {
  const n = matrix.items.length;
  const { indptr, indices } = matrix.byUser;
  return (user) => {
    const scores = new Float64Array(n);
    for (let p = indptr[user]; p < indptr[user + 1]; p++) {
      const row = weights.subarray(indices[p] * n, (indices[p] + 1) * n);
      for (let j = 0; j < n; j++) scores[j] += row[j];
    }
    return scores;
  };
}
