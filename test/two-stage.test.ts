/**
 * The two-stage pipeline end to end on a small synthetic world with a planted sequence — whoever
 * takes A takes B next — trained by trainAndPublish, served by the real inference server, and
 * ranked by the recommendations subgraph's TwoStagePipeline over HTTP: a user whose last item is A
 * gets B first, and a batch of users costs one request per model.
 */
import type { Interaction } from '../training/interactions';
import { TimedActivity } from '../ranking/activity';
import { RECOMMENDER, TWO_STAGE_MODELS } from '../platform/model-contract';
import type { InferenceClient } from '../subgraphs/recommendations/transport/inference-client';
import { RecommendationModels } from '../subgraphs/recommendations/transport/model-client';
import { TwoStageModelsMissing, TwoStagePipeline } from '../subgraphs/recommendations/pipelines/two-stage/pipeline';
import { plantedSequences, serveTrainedModels, SMALL_TRAINING, type ServedModels } from './support/two-stage';

const ITEMS = Array.from({ length: 50 }, (_, i) => `product-${String(i).padStart(3, '0')}`);
const USERS = Array.from({ length: 80 }, (_, u) => `user-${String(u).padStart(3, '0')}`);
const A = ITEMS[7];
const B = ITEMS[23];
const HOUR = 3_600_000;

/** Random sequences of 12 distinct items; wherever A lands, B follows at once. */
function world(): Interaction[] {
  return plantedSequences({ items: ITEMS, users: USERS, a: A, b: B, length: 12, seed: 17 }).flatMap((sequence, u) =>
    sequence.map((itemId, p) => ({ userId: USERS[u], itemId, timestamp: 1_700_000_000_000 + u * 7 * HOUR + p * HOUR, weight: 1 })),
  );
}

describe('two-stage pipeline through the inference server', () => {
  const interactions = world();
  let served: ServedModels;
  let client: InferenceClient;
  let pipeline: TwoStagePipeline;
  const deadline = () => AbortSignal.timeout(10_000);
  const now = Math.max(...interactions.map((i) => i.timestamp)) + HOUR;

  beforeAll(async () => {
    served = await serveTrainedModels(interactions, { ...SMALL_TRAINING, userIds: USERS, itemIds: ITEMS });
    client = served.client;
    pipeline = new TwoStagePipeline(
      new RecommendationModels(client),
      new TimedActivity(interactions.map((i) => ({ itemId: i.itemId, at: i.timestamp }))),
    );
  });

  afterAll(() => served?.close());

  const history = (items: string[]) => items.map((itemId, p) => ({ itemId, at: now - (items.length - p) * HOUR }));

  it('recommends B first to users whose last item is A, a known user and a new one alike', async () => {
    const known = { userId: USERS[5], history: history([ITEMS[1], ITEMS[2], A]), exclude: new Set([ITEMS[1], ITEMS[2], A]), now };
    const fresh = { userId: 'someone-new', history: history([ITEMS[30], A]), exclude: new Set([ITEMS[30], A]), now };
    const answer = await pipeline.rank([known, fresh], deadline());
    expect(answer.version).toBe('1');
    for (const list of answer.lists) {
      expect(list[0].productId).toBe(B);
      expect(list[0].source).toBe('successors');
    }
    // Nothing excluded comes back, and the lists are ranked best first.
    answer.lists.forEach((list, row) => {
      const excluded = [known, fresh][row].exclude;
      expect(list.filter((c) => excluded.has(c.productId))).toEqual([]);
      for (let j = 1; j < list.length; j++) expect(list[j].score).toBeLessThanOrEqual(list[j - 1].score);
    });
  });

  it('costs one request per model for a whole batch of users', async () => {
    const infer = jest.spyOn(client, 'infer');
    const queries = USERS.slice(0, 20).map((userId, u) => {
      const items = [ITEMS[u], ITEMS[u + 10], ITEMS[u + 20]];
      return { userId, history: history(items), exclude: new Set(items), now };
    });
    const answer = await pipeline.rank(queries, deadline());
    expect(answer.lists).toHaveLength(20);
    const perModel = new Map<string, number>();
    for (const [model] of infer.mock.calls) perModel.set(model, (perModel.get(model) ?? 0) + 1);
    infer.mockRestore();
    expect(Object.fromEntries(perModel)).toEqual({
      [RECOMMENDER]: 1,
      [TWO_STAGE_MODELS.transitions]: 1,
      [TWO_STAGE_MODELS.coOccurrence]: 1,
      [TWO_STAGE_MODELS.content]: 1,
      [TWO_STAGE_MODELS.ranker]: 1,
    });
  });

  it('says TwoStageModelsMissing over a repository from before the two-stage pipeline', async () => {
    const old = await serveTrainedModels(interactions, {
      userIds: USERS,
      itemIds: ITEMS,
      factors: 4,
      epochs: 1,
      twoStage: false,
      progress: false,
    });
    try {
      const oldPipeline = new TwoStagePipeline(new RecommendationModels(old.client), new TimedActivity([]));
      await expect(
        oldPipeline.rank([{ userId: USERS[0], history: history([A]), exclude: new Set([A]), now }], deadline()),
      ).rejects.toBeInstanceOf(TwoStageModelsMissing);
    } finally {
      await old.close();
    }
  });
});
