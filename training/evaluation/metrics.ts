/**
 * Ranking metrics for one held-out item per user. Rank is 0-based among the candidate items
 * (all items the user has not interacted with in training); ties are broken by item index, the
 * same way onnxruntime's TopK breaks them.
 */

export interface HitRateNdcg {
  hr10: number;
  ndcg10: number;
}

/** Position of `target` when candidates are sorted by score, descending. `excluded[i]` marks non-candidates. */
export function rankOf(scores: ArrayLike<number>, target: number, excluded: (item: number) => boolean): number {
  const targetScore = scores[target];
  let rank = 0;
  for (let i = 0; i < scores.length; i++) {
    if (i === target || excluded(i)) continue;
    if (scores[i] > targetScore || (scores[i] === targetScore && i < target)) rank++;
  }
  return rank;
}

/** HR@k and NDCG@k contributions of one user whose held-out item sits at `rank` (or is missing: -1). */
export function hitAndNdcg(rank: number, k = 10): HitRateNdcg {
  if (rank < 0 || rank >= k) return { hr10: 0, ndcg10: 0 };
  return { hr10: 1, ndcg10: 1 / Math.log2(rank + 2) };
}

export function meanOf(results: HitRateNdcg[]): HitRateNdcg {
  const n = Math.max(1, results.length);
  return {
    hr10: results.reduce((s, r) => s + r.hr10, 0) / n,
    ndcg10: results.reduce((s, r) => s + r.ndcg10, 0) / n,
  };
}
