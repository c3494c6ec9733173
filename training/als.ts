/**
 * Implicit-feedback ALS (Hu, Koren & Volinsky 2008): each observed (user, item) pair has
 * preference 1 and confidence 1 + alpha·weight; unobserved pairs preference 0, confidence 1.
 * Alternately solves users given items and items given users, each an exact F×F solve, using the
 * Gram-matrix trick so the cost is O(nnz·F² + (users+items)·F³) per epoch.
 */
import { choleskySolve } from './linalg';
import type { InteractionMatrix, SparseRows } from './interactions';
import { seededNormal } from './rng';

export interface AlsOptions {
  factors: number;
  epochs: number;
  /** L2 penalty λ. */
  regularization: number;
  /** Confidence slope: c = 1 + alpha · weight. */
  alpha: number;
  seed: number;
  /** Called after every epoch (progress bars, logs). */
  onEpoch?: (epoch: number) => void;
}

export const DEFAULT_ALS: AlsOptions = { factors: 32, epochs: 12, regularization: 10, alpha: 10, seed: 42 };

export interface AlsModel {
  factors: number;
  /** [users × factors] row-major. */
  userFactors: Float32Array;
  /** [items × factors] row-major. */
  itemFactors: Float32Array;
}

export function trainAls(matrix: InteractionMatrix, options: Partial<AlsOptions> = {}): AlsModel {
  const opts = { ...DEFAULT_ALS, ...options };
  const f = opts.factors;
  const normal = seededNormal(opts.seed);
  const users = new Float64Array(matrix.users.length * f);
  const items = new Float64Array(matrix.items.length * f).map(() => normal() * 0.01);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    solveSide(users, items, matrix.byUser, f, opts);
    solveSide(items, users, matrix.byItem, f, opts);
    opts.onEpoch?.(epoch + 1);
  }
  return { factors: f, userFactors: Float32Array.from(users), itemFactors: Float32Array.from(items) };
}

/** Solves every row of `target` given the fixed `other` factors; rows with no entries become 0. */
function solveSide(target: Float64Array, other: Float64Array, rows: SparseRows, f: number, opts: AlsOptions): void {
  const gram = gramMatrix(other, f);
  const a = new Float64Array(f * f);
  const b = new Float64Array(f);
  const numRows = rows.indptr.length - 1;
  for (let r = 0; r < numRows; r++) {
    const start = rows.indptr[r];
    const end = rows.indptr[r + 1];
    if (start === end) {
      target.fill(0, r * f, (r + 1) * f);
      continue;
    }
    a.set(gram);
    b.fill(0);
    for (let p = start; p < end; p++) {
      const o = rows.indices[p] * f;
      const confidence = 1 + opts.alpha * rows.values[p];
      const extra = confidence - 1;
      for (let i = 0; i < f; i++) {
        const yi = other[o + i];
        b[i] += confidence * yi;
        const scaled = extra * yi;
        const rowOffset = i * f;
        // Lower triangle only: the Cholesky solver reads nothing else.
        for (let j = 0; j <= i; j++) a[rowOffset + j] += scaled * other[o + j];
      }
    }
    for (let i = 0; i < f; i++) a[i * f + i] += opts.regularization;
    const x = choleskySolve(a, b, f);
    target.set(x, r * f);
  }
}

/** YᵀY (lower triangle filled, which is all the solver reads). */
function gramMatrix(y: Float64Array, f: number): Float64Array {
  const gram = new Float64Array(f * f);
  const n = y.length / f;
  for (let r = 0; r < n; r++) {
    const o = r * f;
    for (let i = 0; i < f; i++) {
      const yi = y[o + i];
      if (yi === 0) continue;
      for (let j = 0; j <= i; j++) gram[i * f + j] += yi * y[o + j];
    }
  }
  return gram;
}
