/**
 * The recommendations subgraph's model client against the real inference server: ids in, ranked
 * ids out, with batches split at the max_batch_size the model publishes, ragged exclusion lists
 * padded, unseen users on the cold-start row and products newer than the model left to the caller.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import type { ModelConfig } from '../inference/repository/model-config';
import { publishTrainedModels } from '../training/export-models';
import { expectedScore, idsFor, randomModel, tempRepository } from '../inference/test/helpers';
import { InferenceClient } from '../subgraphs/recommendations/transport/inference-client';
import { RecommendationModels } from '../subgraphs/recommendations/transport/model-client';
import { modelVersionsTrainedOn } from '../subgraphs/recommendations/personal-data';
import { ERASED_USER, RECOMMENDER } from '../platform/model-contract';

const USERS = 12;
const ITEMS = 30;
const MAX_BATCH = 4;

describe('recommendation model client', () => {
  const model = randomModel(21, USERS, ITEMS, 6);
  const ids = idsFor(USERS, ITEMS);
  let repository: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: InferenceClient;
  let models: RecommendationModels;
  const deadline = () => AbortSignal.timeout(5_000);

  beforeAll(async () => {
    repository = await tempRepository();
    await publishTrainedModels(repository.dir, model, ids, { k: 5, maxBatchSize: MAX_BATCH });
    server = await startInferenceServer({ port: 0, host: '127.0.0.1', modelRepository: repository.dir, pollIntervalMs: 0 });
    client = new InferenceClient({ baseUrl: server.url, log: pino({ level: 'silent' }) });
    models = new RecommendationModels(client);
  });

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repository?.remove();
  });

  it('answers many users in requests of the published batch size, each row ranked and without its exclusions', async () => {
    const users = Array.from({ length: 10 }, (_, row) => ({
      userId: ids.users[row],
      // Ragged on purpose: 0 to 9 exclusions per user.
      exclude: ids.items.slice(0, row),
    }));
    const infer = jest.spyOn(client, 'infer');
    const answer = await models.tasteOf(users, deadline());
    expect(infer).toHaveBeenCalledTimes(Math.ceil(users.length / MAX_BATCH));
    expect(infer.mock.calls.every(([, , inputs]) => inputs[0].shape[0] <= MAX_BATCH)).toBe(true);
    infer.mockRestore();

    expect(answer.version).toBe('1');
    expect(answer.rows).toHaveLength(users.length);
    users.forEach(({ exclude }, row) => {
      const ranked = answer.rows[row];
      expect(ranked).toHaveLength(5);
      expect(ranked.filter(({ productId }) => exclude.includes(productId))).toEqual([]);
      // The first product is the model's best for that user among those not excluded.
      const best = ids.items
        .map((productId, item) => ({ productId, score: expectedScore(model, row, item) }))
        .filter(({ productId }) => !exclude.includes(productId))
        .sort((a, b) => b.score - a.score)[0];
      expect(ranked[0].productId).toBe(best.productId);
      expect(ranked[0].score).toBeCloseTo(best.score, 4);
    });
  });

  it('ranks a user the model has never seen from the cold-start row', async () => {
    const answer = await models.tasteOf([{ userId: 'user-new', exclude: [] }], deadline());
    expect(answer.rows[0].length).toBeGreaterThan(0);
    expect(answer.rows[0].every(({ productId }) => ids.items.includes(productId))).toBe(true);
  });

  it('finds similar products, never the product itself, and leaves products newer than the model to the caller', async () => {
    const answer = await models.similarTo([ids.items[3], 'product-new', ids.items[7]], deadline());
    expect(answer.rows[1]).toBeUndefined();
    for (const [row, productId] of [
      [0, ids.items[3]],
      [2, ids.items[7]],
    ] as const) {
      expect(answer.rows[row]!.length).toBeGreaterThan(0);
      expect(answer.rows[row]!.map((entry) => entry.productId)).not.toContain(productId);
    }
  });

  it('gives up at the deadline with a timeout the caller can answer from popularity', async () => {
    await expect(models.tasteOf([{ userId: ids.users[0], exclude: [] }], AbortSignal.timeout(0))).rejects.toMatchObject({
      reason: 'timeout',
    });
  });
});

describe('recommendation model client within the inference server’s limits', () => {
  /** A served repository whose recommender config `edit` may change before the server starts. */
  async function serve(options: { maxInFlight?: number; edit?: (config: ModelConfig) => void } = {}) {
    const repository = await tempRepository();
    await publishTrainedModels(repository.dir, randomModel(22, USERS, ITEMS, 6), idsFor(USERS, ITEMS), { k: 5, maxBatchSize: MAX_BATCH });
    if (options.edit) {
      const file = path.join(repository.dir, 'recommender', 'config.json');
      const config: ModelConfig = JSON.parse(await fs.readFile(file, 'utf8'));
      options.edit(config);
      await fs.writeFile(file, JSON.stringify(config));
    }
    const server = await startInferenceServer({
      port: 0,
      host: '127.0.0.1',
      modelRepository: repository.dir,
      pollIntervalMs: 0,
      executionProviders: ['cpu'],
      maxInFlight: options.maxInFlight,
    });
    const client = new InferenceClient({ baseUrl: server.url, log: pino({ level: 'silent' }) });
    return {
      server,
      models: new RecommendationModels(client),
      async close() {
        client.close();
        await server.close();
        await repository.remove();
      },
    };
  }

  it('takes a 429 (requests in flight at the bound) as an overloaded model, which callers answer from popularity', async () => {
    const { server, models, close } = await serve({ maxInFlight: 1 });
    // A request whose body never completes holds the server's only slot.
    const held = http.request(`${server.url}/v2/models/recommender/infer`, { method: 'POST', headers: { 'content-length': '100' } });
    held.on('error', () => {});
    try {
      await models.versionOf('recommender', AbortSignal.timeout(5_000)); // metadata is not bounded: only infer is
      held.write('{');
      while (server.inFlight() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      await expect(models.tasteOf([{ userId: 'user-0001', exclude: [] }], AbortSignal.timeout(5_000))).rejects.toMatchObject({
        reason: 'overloaded',
        message: expect.stringMatching(/INFERENCE_MAX_IN_FLIGHT 1/),
      });
    } finally {
      held.destroy();
      await close();
    }
  });

  it('cuts exclusion lists to the max_dims the config publishes (newest kept) instead of being refused', async () => {
    const { models, close } = await serve({ edit: (config) => (config.input[1].max_dims = [2]) });
    try {
      const deadline = () => AbortSignal.timeout(5_000);
      const [top] = (await models.tasteOf([{ userId: 'user-0001', exclude: [] }], deadline())).rows;
      const exclude = top.map(({ productId }) => productId); // oldest first: the last two are the newest
      const [ranked] = (await models.tasteOf([{ userId: 'user-0001', exclude }], deadline())).rows;
      const returned = ranked.map(({ productId }) => productId);
      expect(returned).not.toContain(exclude[3]);
      expect(returned).not.toContain(exclude[4]);
      expect(returned).toContain(exclude[0]);
    } finally {
      await close();
    }
  });
});

describe('recommendation model client after an erasure', () => {
  it('a version still served when a publish blanks an erased user maps that user nowhere: cold-start row, no export entry', async () => {
    const ids = idsFor(USERS, ITEMS);
    const erased = ids.users[2];
    const kept = ids.users.filter((id) => id !== erased);
    const repository = await tempRepository();
    await publishTrainedModels(repository.dir, randomModel(31, USERS, ITEMS, 6), ids, { k: 5, maxBatchSize: MAX_BATCH });
    // No polling: the server goes on serving version 1 while the next publish rewrites its id map.
    const server = await startInferenceServer({ port: 0, host: '127.0.0.1', modelRepository: repository.dir, pollIntervalMs: 0 });
    const client = new InferenceClient({ baseUrl: server.url, log: pino({ level: 'silent' }), versionTtlMs: 0 });
    const models = new RecommendationModels(client);
    const deadline = () => AbortSignal.timeout(5_000);
    try {
      await publishTrainedModels(
        repository.dir,
        randomModel(32, kept.length, ITEMS, 6),
        { users: kept, items: ids.items },
        { k: 5, maxBatchSize: MAX_BATCH, retention: { erasedUserIds: [erased] } },
      );
      const answer = await models.tasteOf(
        [
          { userId: erased, exclude: [] },
          { userId: 'user-new', exclude: [] },
          // The blank itself names no row either: nothing reaches the erased user's factors.
          { userId: ERASED_USER, exclude: [] },
        ],
        deadline(),
      );
      expect(answer.version).toBe('1');
      expect(answer.rows[0]).toEqual(answer.rows[1]);
      expect(answer.rows[2]).toEqual(answer.rows[1]);
      expect(await modelVersionsTrainedOn(client, erased, deadline())).toEqual([]);
      expect(await modelVersionsTrainedOn(client, kept[0], deadline())).toEqual([{ model: RECOMMENDER, version: '1' }]);

      await server.store.refresh();
      expect((await models.tasteOf([{ userId: kept[0], exclude: [] }], deadline())).version).toBe('2');
      expect(await modelVersionsTrainedOn(client, erased, deadline())).toEqual([]);
    } finally {
      client.close();
      await server.close();
      await repository.remove();
    }
  });
});
