import { buildInteractionMatrix, type Interaction } from '../interactions';
import { easeWeights } from './baselines';
import { easeRecencyRows, lastItemsTransitions, minMaxBlend, recencyWeighted, userHistories } from './sequential-baselines';

/**
 * Tiny hand-made world: A and B are usually taken together, C and D likewise. The two probes took
 * the same set {A, C} — so plain EASE gives them the same scores — in opposite orders; `tied` took
 * them in the same second, A first in the file.
 */
const ITEMS = ['A', 'B', 'C', 'D', 'E'];
const rows: [string, string, number][] = [
  ['u1', 'A', 1],
  ['u1', 'B', 2],
  ['u1', 'E', 3],
  ['u2', 'A', 1],
  ['u2', 'B', 2],
  ['u3', 'C', 1],
  ['u3', 'D', 2],
  ['u3', 'E', 3],
  ['u4', 'C', 1],
  ['u4', 'D', 2],
  ['u5', 'A', 1],
  ['u5', 'C', 2],
  ['u6', 'D', 1],
  ['u6', 'B', 2],
  ['u7', 'B', 1],
  ['u7', 'D', 2],
  ['recentC', 'C', 9], // out of time order in the file: the timestamp decides
  ['recentC', 'A', 5],
  ['recentA', 'C', 5],
  ['recentA', 'A', 9],
  ['tied', 'A', 7],
  ['tied', 'C', 7],
];
const interactions: Interaction[] = rows.map(([userId, itemId, timestamp]) => ({ userId, itemId, timestamp, weight: 1 }));
const matrix = buildInteractionMatrix(interactions, { itemIds: ITEMS });
const histories = userHistories(matrix, interactions);
const user = (id: string) => matrix.users.indexOf(id);
const item = (id: string) => ITEMS.indexOf(id);
const b = easeWeights(matrix, 1);
const n = ITEMS.length;

describe('recency-weighted EASE', () => {
  it('histories are in time order, ties in file order', () => {
    expect(histories[user('recentC')].map((i) => ITEMS[i])).toEqual(['A', 'C']);
    expect(histories[user('recentA')].map((i) => ITEMS[i])).toEqual(['C', 'A']);
    expect(histories[user('tied')].map((i) => ITEMS[i])).toEqual(['A', 'C']);
  });

  it('is Σ exp(−age/20)·B[item, :] with age 0 for the latest item', () => {
    const scores = recencyWeighted(b, n, histories)(user('recentC'));
    const older = Math.exp(-1 / 20);
    for (let j = 0; j < n; j++) expect(scores[j]).toBeCloseTo(older * b[item('A') * n + j] + b[item('C') * n + j], 12);
  });

  it('prefers the partner of the latest item where plain EASE ties', () => {
    const scorer = recencyWeighted(b, n, histories);
    const prefers = (u: string) => (scorer(user(u))[item('B')] > scorer(user(u))[item('D')] ? 'B' : 'D');
    expect(prefers('recentC')).toBe('D');
    expect(prefers('recentA')).toBe('B');
    expect(prefers('tied')).toBe('D');
  });
});

describe('transitions from the last items', () => {
  it('scores j by Σ P(j | i) over the last five items, counting only direct successors', () => {
    // A is directly followed by B (u1, u2) and C (u5, recentC, tied); C by D (u3, u4) and A (recentA).
    const scores = lastItemsTransitions(histories, n)(user('u5'));
    // u5's history: A, C.
    expect(scores[item('B')]).toBeCloseTo(2 / 5, 6);
    expect(scores[item('C')]).toBeCloseTo(3 / 5, 6);
    expect(scores[item('D')]).toBeCloseTo(2 / 3, 6);
    expect(scores[item('A')]).toBeCloseTo(1 / 3, 6);
    expect(scores[item('E')]).toBe(0); // E only follows B, two steps after A
  });

  it('forgets items older than the last five', () => {
    const items = ['X', 'Y', ...ITEMS];
    const seqs = [
      ['X', 'Y'],
      ['X', ...ITEMS],
    ].map((s) => s.map((id) => items.indexOf(id)));
    const scores = lastItemsTransitions(seqs, items.length)(1);
    expect(scores[items.indexOf('Y')]).toBe(0); // only X leads to Y, and X is the sixth-latest
    expect(lastItemsTransitions(seqs, items.length, 6)(1)[items.indexOf('Y')]).toBeCloseTo(0.5, 6);
  });
});

describe('min–max blend', () => {
  const fixed = (scores: number[]) => () => Float64Array.from(scores);
  it('normalises each scorer over the candidates (not the history) before weighting', () => {
    const blended = minMaxBlend(
      [
        { scorer: fixed([100, 1, 3, 2]), share: 0.7 },
        { scorer: fixed([-5, 10, 0, 20]), share: 0.3 },
      ],
      [[0]],
      4,
    )(0);
    expect(blended[0]).toBe(0);
    expect(blended[1]).toBeCloseTo(0.7 * 0 + 0.3 * 0.5, 12);
    expect(blended[2]).toBeCloseTo(0.7 * 1 + 0.3 * 0, 12);
    expect(blended[3]).toBeCloseTo(0.7 * 0.5 + 0.3 * 1, 12);
  });

  it('a scorer constant over the candidates adds nothing (no division by zero)', () => {
    const blended = minMaxBlend(
      [
        { scorer: fixed([1, 2, 3]), share: 0.7 },
        { scorer: fixed([9, 0, 0]), share: 0.3 },
      ],
      [[0]],
      3,
    )(0);
    expect([...blended]).toEqual([0, 0, 0.7]);
  });
});

describe('easeRecencyRows', () => {
  it('the blend is 0.7 × min–max recency EASE + 0.3 × min–max transitions of the last five', () => {
    const { easeRecency, easeRecencyTransitions } = easeRecencyRows(b, histories, n);
    const u = user('recentC');
    const expected = minMaxBlend(
      [
        { scorer: recencyWeighted(b, n, histories), share: 0.7 },
        { scorer: lastItemsTransitions(histories, n), share: 0.3 },
      ],
      histories,
      n,
    )(u);
    expect([...easeRecencyTransitions(u)]).toEqual([...expected]);
    expect([...easeRecency(u)]).toEqual([...recencyWeighted(b, n, histories)(u)]);
  });
});
