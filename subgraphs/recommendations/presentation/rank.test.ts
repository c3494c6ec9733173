import { appError, ErrorCode } from '../../../platform/errors';
import { fallbacks } from '../metrics';
import { rank, rankList } from './rank';
import { RecommendationReason, RecommendationVariant } from './recommendation';
import type { CandidateList } from '../pipelines/candidate-source';

const list = (degraded: boolean): CandidateList => ({
  version: degraded ? null : '3',
  degraded,
  exclude: new Set(['bought']),
  candidates: ['m1', 'bought', 'm2', 'm3'].map((productId, index) => ({
    productId,
    score: 1 - index / 10,
    reason: RecommendationReason.MODEL,
  })),
});
const popularity = [
  { productId: 'p1', buyers: 10 },
  { productId: 'm1', buyers: 5 },
];
const productsDown = () => Promise.reject(appError(ErrorCode.SERVICE_UNAVAILABLE, 'The products service is unavailable'));
const productsFallbacks = async () =>
  (await fallbacks.get()).values.find((value) => value.labels.reason === 'products_unavailable')?.value ?? 0;

describe('rank', () => {
  it('answers from the candidates when the products service is down, marked PRODUCTS_UNAVAILABLE and counted', async () => {
    const before = await productsFallbacks();
    const items = await rank(list(false), 3, popularity, productsDown);
    expect(items.map((item) => item.productId)).toEqual(['m1', 'm2', 'm3']);
    expect(items.every((item) => item.degraded && item.degradedReasons.join() === 'PRODUCTS_UNAVAILABLE')).toBe(true);
    expect(items[0].modelVersion).toBe('3');
    expect(await productsFallbacks()).toBe(before + 1);
  });

  it('names both reasons when the model and the products service are both away', async () => {
    const items = await rank(list(true), 2, popularity, productsDown);
    expect(items[0].degradedReasons).toEqual(['MODEL_UNAVAILABLE', 'PRODUCTS_UNAVAILABLE']);
  });

  it('is not degraded when stock and category arrive', async () => {
    const facts = async (ids: string[]) => new Map(ids.map((id) => [id, { stock: 1, category: id }]));
    const items = await rank(list(false), 3, popularity, facts);
    expect(items.every((item) => !item.degraded && item.degradedReasons.length === 0)).toBe(true);
  });

  it('says what served each list, and why it is degraded, as recommendations_lists_total labels it', async () => {
    const facts = async (ids: string[]) => new Map(ids.map((id) => [id, { stock: 1, category: id }]));
    const twoStage = { ...list(false), variant: RecommendationVariant.TWO_STAGE };
    const popular = { ...list(true), degradedBy: 'timeout', variant: RecommendationVariant.TWO_STAGE };
    expect((await rankList(twoStage, 2, popularity, facts)).served).toEqual({ servedBy: 'two_stage', reason: 'none' });
    expect((await rankList(list(false), 2, popularity, facts)).served).toEqual({ servedBy: 'one_stage', reason: 'none' });
    expect((await rankList(list(false), 2, popularity, productsDown)).served).toEqual({
      servedBy: 'one_stage',
      reason: 'products_unavailable',
    });
    // Popularity is the lower step: the model's failure names the list even when products failed too.
    expect((await rankList(popular, 2, popularity, productsDown)).served).toEqual({ servedBy: 'popularity', reason: 'timeout' });
  });
});
