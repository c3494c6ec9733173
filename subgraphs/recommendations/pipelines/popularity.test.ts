import { popularFor, similarTo } from './popularity';
import { RecommendationReason } from '../presentation/recommendation';

const popular = [
  { productId: 'p1', buyers: 10 },
  { productId: 'p2', buyers: 5 },
  { productId: 'p3', buyers: 2 },
];

describe('popularity baseline', () => {
  it('recommends the most bought products the user has not bought, scored against the top', () => {
    const recs = popularFor(popular, new Set(['p1']), 5);
    expect(recs.map((r) => [r.productId, r.score, r.reason])).toEqual([
      ['p2', 0.5, RecommendationReason.POPULAR],
      ['p3', 0.2, RecommendationReason.POPULAR],
    ]);
  });

  it('ranks co-purchases first and fills from popularity without repeating the product itself', () => {
    const recs = similarTo('p1', [{ source: 'p1', target: 'p3', buyers: 4 }], popular, 3);
    expect(recs.map((r) => [r.productId, r.reason])).toEqual([
      ['p3', RecommendationReason.CO_PURCHASED],
      ['p2', RecommendationReason.POPULAR],
    ]);
    expect(recs[0].score).toBe(1);
    expect(recs[1].score).toBeLessThan(recs[0].score);
  });
});
