import { RecommendationReason } from '../../presentation/recommendation';
import { reserveSessionShare } from './session-share';

const ranked = Array.from({ length: 10 }, (_, i) => ({ productId: `p${i}`, score: 10 - i, reason: RecommendationReason.MODEL }));
const inSession = (id: string) => ['p6', 'p8', 'p9'].includes(id);

describe('reserveSessionShare', () => {
  it('gives every prefix its share of session candidates, in the ranker order within each group', () => {
    const out = reserveSessionShare(ranked, inSession, 0.3);
    expect(out.map((c) => c.productId)).toEqual(['p6', 'p0', 'p1', 'p8', 'p2', 'p3', 'p9', 'p4', 'p5', 'p7']);
    for (let n = 1; n <= 10; n++) {
      expect(out.slice(0, n).filter((c) => inSession(c.productId)).length).toBeGreaterThanOrEqual(Math.min(3, Math.ceil(0.3 * n)));
    }
    expect(out.filter((c) => c.reason === RecommendationReason.SIMILAR_TO_RECENT).map((c) => c.productId)).toEqual(['p6', 'p8', 'p9']);
  });

  it('leaves a list alone when the session ranks high already, is empty, or has no share', () => {
    const early = (id: string) => ['p0', 'p1'].includes(id);
    expect(reserveSessionShare(ranked, early, 0.3)).toEqual(ranked);
    expect(reserveSessionShare(ranked, () => false, 0.6)).toEqual(ranked);
    expect(reserveSessionShare(ranked, inSession, 0)).toEqual(ranked);
  });

  it('keeps every candidate exactly once', () => {
    const out = reserveSessionShare(ranked, inSession, 0.6);
    expect(out.map((c) => c.productId).sort()).toEqual(ranked.map((c) => c.productId).sort());
  });
});
