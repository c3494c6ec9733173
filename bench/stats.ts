/** Percentiles and rounding shared by the benchmarks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarize(samples: number[]): { count: number; p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

/**
 * A distribution-free 95% interval for the median of `sorted` (ascending): the order statistics
 * k and n-k+1, with k the largest for which Binomial(n, ½) keeps at least 95% coverage. One sample
 * disturbed by something else on the machine (a stalled round) moves it by one place, not by its size.
 */
export function medianInterval(sorted: number[]): [number, number] {
  const n = sorted.length;
  let below = 0; // P(Binomial(n, ½) ≤ k - 1)
  let choose = 1; // C(n, k - 1)
  let k = 0;
  while (k < n / 2) {
    const next = below + choose / 2 ** n;
    if (1 - 2 * next < 0.95) break;
    below = next;
    choose = (choose * (n - k)) / (k + 1);
    k++;
  }
  if (k === 0) return [sorted[0], sorted[n - 1]];
  return [sorted[k - 1], sorted[n - k]];
}

/** The median of `sorted` (ascending). */
export function median(sorted: number[]): number {
  return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2;
}
