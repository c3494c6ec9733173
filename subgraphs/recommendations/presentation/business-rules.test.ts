import type { Candidate } from '../pipelines/candidate-source';
import { applyBusinessRules } from './business-rules';
import { RecommendationReason } from './recommendation';

const candidate = (productId: string, score = 1): Candidate => ({ productId, score, reason: RecommendationReason.MODEL });

describe('business rules after the model', () => {
  const facts = new Map([
    ['a1', { stock: 5, category: 'A' }],
    ['a2', { stock: 5, category: 'A' }],
    ['a3', { stock: 5, category: 'A' }],
    ['b1', { stock: 0, category: 'B' }],
    ['b2', { stock: 2, category: 'B' }],
    ['c1', { stock: 9, category: 'C' }],
  ]);

  it('drops out-of-stock, excluded and unknown products, caps a category at half, and fills from popularity', () => {
    const chosen = applyBusinessRules({
      candidates: ['a1', 'a2', 'a3', 'b1', 'zz'].map((id) => candidate(id)),
      popular: [{ productId: 'c1', score: 0.5, reason: RecommendationReason.POPULAR }, candidate('b2')],
      exclude: new Set(['a2']),
      facts,
      first: 4,
    });
    expect(chosen.map((entry) => entry.productId)).toEqual(['a1', 'a3', 'c1', 'b2']);
  });

  it('relaxes diversity rather than return fewer than asked when the catalogue is narrow', () => {
    const chosen = applyBusinessRules({
      candidates: ['a1', 'a2', 'a3'].map((id) => candidate(id)),
      popular: [],
      exclude: new Set(),
      facts,
      first: 3,
    });
    expect(chosen).toHaveLength(3);
  });

  it('without facts (products unavailable) keeps the order, exclusions and popularity fill, and checks no stock', () => {
    const chosen = applyBusinessRules({
      candidates: ['a1', 'a2', 'b1', 'zz'].map((id) => candidate(id)),
      popular: [candidate('c1'), candidate('a1')],
      exclude: new Set(['a2']),
      facts: null,
      first: 4,
    });
    expect(chosen.map((entry) => entry.productId)).toEqual(['a1', 'b1', 'zz', 'c1']);
  });
});
