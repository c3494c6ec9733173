/**
 * MovieLens 100K protocol check (skipped with a message when the data is not on this machine):
 * the loader reads every rating, the split holds out one interaction per user (the last in time,
 * ties in u.data's file order), and the two cheap baselines land on this protocol's figures.
 * The full evaluation (EASE, the served one-stage and two-stage models) is `npm run eval`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { itemKnn, itemPop } from '../../training/evaluation/baselines';
import { evaluateScorer } from '../../training/evaluation/evaluate';
import { leaveLatestOut } from '../../training/evaluation/split';
import { buildInteractionMatrix } from '../../training/interactions';
import { MovieLens100kSource, defaultMl100kFolder } from '../../training/movielens';

const folder = defaultMl100kFolder();
const present = existsSync(path.join(folder, 'u.data'));
if (!present) {
  console.warn(`MovieLens 100K not found at ${folder} (set ML100K_DIR): skipping the ML-100K protocol test`);
}

(present ? describe : describe.skip)('MovieLens 100K leave-latest-out protocol', () => {
  it('loads 100,000 ratings and reproduces the protocol’s ItemPop and item-KNN figures', async () => {
    const interactions = await new MovieLens100kSource(folder).load();
    expect(interactions).toHaveLength(100_000);
    const { train, test } = leaveLatestOut(interactions);
    expect(test.size).toBe(943);
    const matrix = buildInteractionMatrix(train, {
      userIds: [...new Set(interactions.map((i) => i.userId))],
      itemIds: [...new Set(interactions.map((i) => i.itemId))],
    });
    const users = new Map(matrix.users.map((u, i) => [u, i]));
    const items = new Map(matrix.items.map((it, i) => [it, i]));
    const cases = [...test].map(([u, it]) => ({ user: users.get(u)!, item: items.get(it)! }));
    expect(evaluateScorer(matrix, cases, itemPop(matrix)).hr10).toBeCloseTo(0.0859, 3);
    expect(evaluateScorer(matrix, cases, itemKnn(matrix)).hr10).toBeCloseTo(0.1092, 3);
  });
});
