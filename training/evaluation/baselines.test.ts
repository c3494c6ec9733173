import { buildInteractionMatrix } from '../interactions';
import { ease, itemKnn, itemPop } from './baselines';
import { evaluateLists, evaluateScorer } from './evaluate';

/**
 * Tiny hand-made world: items A and B are always taken together, C and D together; E is popular
 * with everyone. A user who took A should get B first from item-KNN and EASE; ItemPop ranks E first.
 */
const rows: Record<string, string[]> = {
  u1: ['A', 'B', 'E'],
  u2: ['A', 'B', 'E'],
  u3: ['C', 'D', 'E'],
  u4: ['C', 'D', 'E'],
  u5: ['A', 'B'],
  probe: ['A'],
};
const interactions = Object.entries(rows).flatMap(([userId, items]) =>
  items.map((itemId, t) => ({ userId, itemId, timestamp: t, weight: 1 })),
);
const matrix = buildInteractionMatrix(interactions, { itemIds: ['A', 'B', 'C', 'D', 'E'] });
const probe = matrix.users.indexOf('probe');
const best = (scores: Float64Array, excluded: number[]) => {
  let arg = -1;
  scores.forEach((s, i) => {
    if (!excluded.includes(i) && (arg < 0 || s > scores[arg])) arg = i;
  });
  return matrix.items[arg];
};

describe('baselines on hand-made data', () => {
  it('ItemPop ranks the most taken item first', () => {
    expect(best(itemPop(matrix)(probe), [0])).toBe('E');
  });

  it('item-KNN and EASE complete the pair', () => {
    expect(best(itemKnn(matrix)(probe), [0])).toBe('B');
    expect(best(ease(matrix, 1)(probe), [0])).toBe('B');
  });

  it('EASE never scores an item by itself (zero diagonal)', () => {
    const oneItemUser = buildInteractionMatrix([
      { userId: 'x', itemId: 'A', timestamp: 0, weight: 1 },
      { userId: 'y', itemId: 'B', timestamp: 0, weight: 1 },
    ]);
    expect(ease(oneItemUser, 1)(0)[0]).toBe(0);
  });

  it('evaluateScorer: a scorer that knows the answer gets HR@10 = NDCG@10 = 1; coverage counts the distinct top-10 items', () => {
    const cases = [{ user: probe, item: matrix.items.indexOf('B') }];
    // The probe has taken A: the other four items are its whole top 10.
    expect(evaluateScorer(matrix, cases, itemKnn(matrix))).toEqual({ hr10: 1, ndcg10: 1, coverage10: 4 / 5 });
  });

  it('evaluateLists: hit position, NDCG and catalogue coverage of ranked lists', () => {
    const quality = evaluateLists(
      [
        { ranked: ['B', 'E'], target: 'B' },
        { ranked: ['E', 'C'], target: 'C' },
        { ranked: ['E'], target: 'D' },
      ],
      5,
    );
    expect(quality.hr10).toBeCloseTo(2 / 3);
    expect(quality.ndcg10).toBeCloseTo((1 + 1 / Math.log2(3)) / 3);
    expect(quality.coverage10).toBeCloseTo(3 / 5);
  });
});
