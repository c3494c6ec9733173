import { RecommendationReason } from '../presentation/recommendation';
import { blendSession } from './session';

describe('session blending', () => {
  it('lets strong session similarity outrank long-term taste and says why', () => {
    const blended = blendSession(
      [
        { productId: 'm1', score: 2 },
        { productId: 'm2', score: 1 },
      ],
      [{ productId: 's1', score: 0.9 }],
      0.6,
    );
    expect(blended.map((entry) => [entry.productId, entry.reason])).toEqual([
      ['s1', RecommendationReason.SIMILAR_TO_RECENT],
      ['m1', RecommendationReason.MODEL],
      ['m2', RecommendationReason.MODEL],
    ]);
  });
});
