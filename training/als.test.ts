import { trainAls } from './als';
import { buildInteractionMatrix, type Interaction } from './interactions';

/** Two taste groups: users 0–9 take items 0–4, users 10–19 take items 5–9; each user misses one item of its group. */
function twoGroups(): Interaction[] {
  const out: Interaction[] = [];
  for (let u = 0; u < 20; u++) {
    const base = u < 10 ? 0 : 5;
    for (let i = 0; i < 5; i++) if (i !== u % 5) out.push({ userId: `u${u}`, itemId: `i${base + i}`, timestamp: i, weight: 1 });
  }
  return out;
}

describe('implicit ALS', () => {
  const matrix = buildInteractionMatrix(twoGroups(), { itemIds: Array.from({ length: 10 }, (_, i) => `i${i}`) });

  it('recommends the missing item of the user’s own group', () => {
    const model = trainAls(matrix, { factors: 2, epochs: 10, regularization: 1, alpha: 10, seed: 1 });
    for (let u = 0; u < 20; u++) {
      const seen = new Set(Array.from(matrix.byUser.indices.subarray(matrix.byUser.indptr[u], matrix.byUser.indptr[u + 1])));
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < 10; i++) {
        if (seen.has(i)) continue;
        let s = 0;
        for (let f = 0; f < 2; f++) s += model.userFactors[u * 2 + f] * model.itemFactors[i * 2 + f];
        if (s > bestScore) [best, bestScore] = [i, s];
      }
      expect(best).toBe((u < 10 ? 0 : 5) + (u % 5));
    }
  });

  it('is deterministic for a seed', () => {
    const a = trainAls(matrix, { factors: 4, epochs: 3, seed: 9 });
    const b = trainAls(matrix, { factors: 4, epochs: 3, seed: 9 });
    expect(Array.from(a.itemFactors)).toEqual(Array.from(b.itemFactors));
  });
});
