/** The small dense linear algebra training and EASE need, on row-major Float64Arrays. */

/** Solves A x = b in place for symmetric positive definite A (n × n); A is overwritten by its Cholesky factor. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (d <= 0) throw new Error('matrix is not positive definite');
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return b;
}

/** Inverse of a symmetric positive definite matrix by Gauss–Jordan (no pivoting needed for SPD). */
export function invertSpd(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let k = 0; k < n; k++) {
    const pivot = a[k * n + k];
    if (!(pivot > 0)) throw new Error('matrix is not positive definite');
    const scale = 1 / pivot;
    const rowA = a.subarray(k * n, (k + 1) * n);
    const rowI = inv.subarray(k * n, (k + 1) * n);
    for (let j = 0; j < n; j++) {
      rowA[j] *= scale;
      rowI[j] *= scale;
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = a[i * n + k];
      if (f === 0) continue;
      const offset = i * n;
      // Columns < k of `a` are already eliminated to 0 except the pivots; start at k to save work.
      for (let j = k; j < n; j++) a[offset + j] -= f * rowA[j];
      for (let j = 0; j < n; j++) inv[offset + j] -= f * rowI[j];
    }
  }
  return inv;
}
