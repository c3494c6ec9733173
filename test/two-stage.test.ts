/**
 * The two-stage pipeline end to end on a small synthetic world with a planted sequence — whoever
 * takes A takes B next — trained by trainAndPublish, served by the real inference server, and
 * ranked by the recommendations subgraph's TwoStagePipeline over HTTP: a user whose last item is A
 * gets B first, and a batch of users costs one request per model.
 */
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { tempRepository } from '../inference/test/helpers';
import type { Interaction } from '../inference/training/interactions';
import { seededRandom } from '../inference/training/rng';
import { trainAndPublish } from '../inference/training/train-and-publish';
import { TimedActivity } from '../ranking/activity';
import { TWO_STAGE_MODELS } from '../ranking/models';
import { InferenceClient } from '../subgraphs/recommendations/inference-client';
import { RECOMMENDER, RecommendationModels } from '../subgraphs/recommendations/model-client';
import { TwoStageModelsMissing, TwoStagePipeline } from '../subgraphs/recommendations/two-stage/pipeline';

const ITEMS = Array.from({ length: 50 }, (_, i) => `product-${String(i).padStart(3, '0')}`);
const USERS = Array.from({ length: 80 }, (_, u) => `user-${String(u).padStart(3, '0')}`);
const A = ITEMS[7];
const B = ITEMS[23];
const HOUR = 3_600_000;

/** Random sequences of 12 distinct items; wherever A lands, B follows at once. */
function world(): Interaction[] {
  const random = seededRandom(17);
  const interactions: Interaction[] = [];
  USERS.forEach((userId, u) => {
    const sequence: string[] = [];
    while (sequence.length < 12) {
      const item = ITEMS[Math.floor(random() * ITEMS.length)];
      if (item === B || sequence.includes(item)) continue;
      sequence.push(item);
      // Most users meet A somewhere; some of them at the very end of what training sees.
      if (item === A && sequence.length < 12) sequence.push(B);
    }
    if (u % 3 === 0 && !sequence.includes(A)) sequence.splice(Math.floor(random() * 10), 2, A, B);
    sequence.forEach((itemId, p) =>
      interactions.push({ userId, itemId, timestamp: 1_700_000_000_000 + u * 7 * HOUR + p * HOUR, weight: 1 }),
    );
  });
  return interactions;
}

describe('two-stage pipeline through the inference server', () => {
  const interactions = world();
  let repository: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: InferenceClient;
  let pipeline: TwoStagePipeline;
  const deadline = () => AbortSignal.timeout(10_000);
  const now = Math.max(...interactions.map((i) => i.timestamp)) + HOUR;

  beforeAll(async () => {
    repository = await tempRepository();
    await trainAndPublish(interactions, {
      repository: repository.dir,
      userIds: USERS,
      itemIds: ITEMS,
      factors: 8,
      epochs: 4,
      twoStage: { heldBack: 4, maxQueries: 2000, ranker: { epochs: 10, hidden: 8, seed: 1 } },
      progress: false,
    });
    server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repository.dir,
      pollIntervalMs: 0,
      executionProviders: ['cpu'],
    });
    client = new InferenceClient({ baseUrl: server.url, log: pino({ level: 'silent' }) });
    pipeline = new TwoStagePipeline(
      new RecommendationModels(client),
      new TimedActivity(interactions.map((i) => ({ itemId: i.itemId, at: i.timestamp }))),
    );
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repository?.remove();
  });

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
    const old = await tempRepository();
    await trainAndPublish(interactions, {
      repository: old.dir,
      userIds: USERS,
      itemIds: ITEMS,
      factors: 4,
      epochs: 1,
      twoStage: false,
      progress: false,
    });
    const oldServer = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: old.dir,
      pollIntervalMs: 0,
      executionProviders: ['cpu'],
    });
    const oldClient = new InferenceClient({ baseUrl: oldServer.url, log: pino({ level: 'silent' }) });
    try {
      const oldPipeline = new TwoStagePipeline(new RecommendationModels(oldClient), new TimedActivity([]));
      await expect(
        oldPipeline.rank([{ userId: USERS[0], history: history([A]), exclude: new Set([A]), now }], deadline()),
      ).rejects.toBeInstanceOf(TwoStageModelsMissing);
    } finally {
      oldClient.close();
      await oldServer.close();
      await old.remove();
    }
  });
});
