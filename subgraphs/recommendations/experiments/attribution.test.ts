import { countImpressions, countInteractions } from './attribution';
import { MemoryImpressionStore } from './impressions';
import { attributedInteractions, impressions } from '../metrics';
import { recommendation, RecommendationPlacement, RecommendationReason, RecommendationVariant } from '../presentation/recommendation';

const valueOf = async (counter: typeof impressions | typeof attributedInteractions, labels: Record<string, string>) =>
  (await counter.get()).values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key as keyof typeof value.labels] === wanted))
    .reduce((sum, value) => sum + value.value, 0);

const item = (productId: string, variant: RecommendationVariant | null) =>
  recommendation(productId, 0.5, RecommendationReason.MODEL, { variant });

describe('A/B attribution', () => {
  it('counts each returned item for its variant and placement, and an interaction only with a product shown to that user', async () => {
    const store = new MemoryImpressionStore();
    const before = {
      shown: await valueOf(impressions, { variant: 'TWO_STAGE', placement: 'CART' }),
      views: await valueOf(attributedInteractions, { variant: 'TWO_STAGE', kind: 'VIEW' }),
      purchases: await valueOf(attributedInteractions, { kind: 'PURCHASE' }),
    };
    countImpressions(store, 'user-1', RecommendationPlacement.CART, [
      item('p1', RecommendationVariant.TWO_STAGE),
      item('p2', RecommendationVariant.TWO_STAGE),
    ]);
    // Lists outside the experiment carry no variant and are no impressions.
    countImpressions(store, 'user-1', RecommendationPlacement.CART, [item('p3', null)]);
    expect(await valueOf(impressions, { variant: 'TWO_STAGE', placement: 'CART' })).toBe(before.shown + 2);

    await countInteractions(store, 'user-1', ['p1'], 'VIEW');
    await countInteractions(store, 'user-1', ['p3'], 'VIEW'); // shown outside the experiment
    await countInteractions(store, 'user-2', ['p1'], 'VIEW'); // shown to someone else
    expect(await valueOf(attributedInteractions, { variant: 'TWO_STAGE', kind: 'VIEW' })).toBe(before.views + 1);

    await countInteractions(store, 'user-1', ['p1', 'p2', 'p9'], 'PURCHASE');
    expect(await valueOf(attributedInteractions, { kind: 'PURCHASE' })).toBe(before.purchases + 2);
    await store.close();
  });
});
