import { rootLogger } from '../../../platform/logger';
import { stableHash } from '../../../platform/stable-hash';
import { variantFallbacks } from '../metrics';
import { RecommendationPlacement, RecommendationReason, RecommendationVariant } from '../presentation/recommendation';
import type { CandidateList, UserCandidateSource } from '../pipelines/candidate-source';
import { assignedVariant, VariantRouter } from './variant-router';

/** A pipeline that records its calls and answers each user with a list naming the user and itself. */
class FakeSource implements UserCandidateSource {
  calls: string[][] = [];
  invalidated: string[] = [];
  constructor(
    private readonly name: string,
    private readonly failure?: Error,
  ) {}

  async forUsers(userIds: string[]): Promise<CandidateList[]> {
    this.calls.push(userIds);
    if (this.failure) throw this.failure;
    return userIds.map((id) => ({
      version: this.name,
      degraded: false,
      exclude: new Set<string>(),
      candidates: [{ productId: `${this.name}-for-${id}`, score: 1, reason: RecommendationReason.MODEL }],
    }));
  }

  async invalidate(userId: string) {
    this.invalidated.push(userId);
  }
}

const users = Array.from({ length: 200 }, (_, index) => `user-${String(index + 1).padStart(4, '0')}`);
const fallbacksOf = async (reason: string) => (await variantFallbacks.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('VariantRouter', () => {
  it('assigns a user by the stable hash of their id, the same at every call', () => {
    for (const id of users) {
      const expected = stableHash(id) % 100 < 30 ? RecommendationVariant.TWO_STAGE : RecommendationVariant.ONE_STAGE;
      expect(assignedVariant(id, 30)).toBe(expected);
      expect(assignedVariant(id, 30)).toBe(assignedVariant(id, 30));
    }
    // Raising the share only moves users from one-stage to two-stage, never back.
    for (const id of users)
      if (assignedVariant(id, 30) === RecommendationVariant.TWO_STAGE) expect(assignedVariant(id, 60)).toBe('TWO_STAGE');
    const share = users.filter((id) => assignedVariant(id, 50) === RecommendationVariant.TWO_STAGE).length / users.length;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
  });

  it('sends each pipeline its users in one call and answers in input order, each list tagged', async () => {
    const one = new FakeSource('one');
    const two = new FakeSource('two');
    const router = new VariantRouter(one, two, 50, rootLogger);
    const batch = users.slice(0, 40).reverse();
    const lists = await router.forUsers(batch, RecommendationPlacement.HOME);

    const twoUsers = batch.filter((id) => assignedVariant(id, 50) === RecommendationVariant.TWO_STAGE);
    expect(twoUsers.length).toBeGreaterThan(0);
    expect(twoUsers.length).toBeLessThan(batch.length);
    expect(two.calls).toEqual([twoUsers]);
    expect(one.calls).toEqual([batch.filter((id) => !twoUsers.includes(id))]);
    lists.forEach((list, index) => {
      const id = batch[index];
      const variant = assignedVariant(id, 50);
      const source = variant === RecommendationVariant.TWO_STAGE ? 'two' : 'one';
      expect(list.variant).toBe(variant);
      expect(list.candidates[0].productId).toBe(`${source}-for-${id}`);
    });
  });

  it('at 0% serves everyone one-stage and never calls the two-stage pipeline; at 100% the reverse', async () => {
    const one = new FakeSource('one');
    const two = new FakeSource('two');
    const none = await new VariantRouter(one, two, 0, rootLogger).forUsers(users, RecommendationPlacement.CART);
    expect(two.calls).toEqual([]);
    expect(one.calls).toEqual([users]);
    expect(none.every((list) => list.variant === RecommendationVariant.ONE_STAGE && list.version === 'one')).toBe(true);

    one.calls = [];
    const all = await new VariantRouter(one, two, 100, rootLogger).forUsers(users, RecommendationPlacement.CART);
    expect(one.calls).toEqual([]);
    expect(two.calls).toEqual([users]);
    expect(all.every((list) => list.variant === RecommendationVariant.TWO_STAGE && list.version === 'two')).toBe(true);
  });

  it('serves the two-stage users one-stage, tagged so and counted, when that pipeline rejects', async () => {
    const one = new FakeSource('one');
    const two = new FakeSource('two', new Error('ranker is not in the model repository'));
    const warnings: unknown[] = [];
    const log = rootLogger.child({});
    log.warn = ((...args: unknown[]) => void warnings.push(args)) as typeof log.warn;
    const before = await fallbacksOf('failed');
    const batch = users.slice(0, 40);
    const twoUsers = batch.filter((id) => assignedVariant(id, 50) === RecommendationVariant.TWO_STAGE);

    const lists = await new VariantRouter(one, two, 50, log).forUsers(batch, RecommendationPlacement.HOME);

    expect(lists.map((list) => list.candidates[0].productId)).toEqual(batch.map((id) => `one-for-${id}`));
    expect(lists.every((list) => list.variant === RecommendationVariant.ONE_STAGE)).toBe(true);
    expect(one.calls).toEqual([batch.filter((id) => !twoUsers.includes(id)), twoUsers]);
    expect(await fallbacksOf('failed')).toBe(before + twoUsers.length);
    expect(warnings).toHaveLength(1);
  });

  it('without a two-stage pipeline serves everyone one-stage in one call and counts who should have had it', async () => {
    const one = new FakeSource('one');
    const before = await fallbacksOf('absent');
    const lists = await new VariantRouter(one, undefined, 50, rootLogger).forUsers(users, RecommendationPlacement.HOME);
    expect(one.calls).toEqual([users]);
    expect(lists.map((list) => [list.variant, list.candidates[0].productId])).toEqual(users.map((id) => ['ONE_STAGE', `one-for-${id}`]));
    expect(await fallbacksOf('absent')).toBe(before + users.filter((id) => assignedVariant(id, 50) === 'TWO_STAGE').length);
  });

  it('treats a pipeline that answers for the wrong number of users like one that rejected', async () => {
    const one = new FakeSource('one');
    const short: UserCandidateSource = { forUsers: async () => [], invalidate: async () => undefined };
    const batch = users.slice(0, 40);
    const lists = await new VariantRouter(one, short, 50, rootLogger).forUsers(batch, RecommendationPlacement.HOME);
    expect(lists.map((list) => list.candidates[0].productId)).toEqual(batch.map((id) => `one-for-${id}`));
  });

  it('invalidates a user in both pipelines', async () => {
    const one = new FakeSource('one');
    const two = new FakeSource('two');
    await new VariantRouter(one, two, 50, rootLogger).invalidate('user-0007');
    expect(one.invalidated).toEqual(['user-0007']);
    expect(two.invalidated).toEqual(['user-0007']);
  });
});
