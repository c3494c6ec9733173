import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listVersions, readIdMaps, readVersionMetadata, versionFile } from '../inference/repository/model-repository';
import type { Interaction, InteractionSource } from './interactions';
import { seededRandom } from './rng';
import { RECOMMENDER, SIMILAR_ITEMS, TWO_STAGE_MODELS } from '../platform/model-contract';
import { EMBEDDED_TRAINING, ensureModel, trainAndPublish } from './train-and-publish';
import { EMBEDDED_TWO_STAGE } from './two-stage';

/** Platform-shaped data: "user-0001" buys "product-00042", weight 1 per purchased product. */
function orders(users: number, products: number, count: number, seed = 3) {
  const random = seededRandom(seed);
  const userIds = Array.from({ length: users }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`);
  const itemIds = Array.from({ length: products }, (_, i) => `product-${String(i + 1).padStart(5, '0')}`);
  const interactions: Interaction[] = Array.from({ length: count }, (_, t) => ({
    userId: userIds[Math.floor(random() * users)],
    itemId: itemIds[Math.floor(random() ** 2 * products)], // a popularity skew, like real catalogues
    timestamp: t,
    weight: 1,
  }));
  return { userIds, itemIds, interactions };
}

describe('trainAndPublish / ensureModel', () => {
  let repository: string;
  beforeEach(async () => {
    repository = await fs.mkdtemp(path.join(os.tmpdir(), 'inference-train-'));
  });
  afterEach(async () => {
    await fs.rm(repository, { recursive: true, force: true });
  });

  it('publishes every model in the Triton layout with id maps covering every given user and product', async () => {
    const data = orders(50, 80, 600);
    const result = await trainAndPublish(data.interactions, {
      repository,
      userIds: data.userIds,
      itemIds: data.itemIds,
      factors: 8,
      epochs: 2,
      twoStage: EMBEDDED_TWO_STAGE,
      progress: false,
    });
    expect(result).toMatchObject({
      recommender: 1,
      similarItems: 1,
      twoStage: { transitions: 1, coOccurrence: 1, content: 1, ranker: 1 },
      users: 50,
      items: 80,
    });
    for (const model of Object.values(TWO_STAGE_MODELS)) {
      const pbtxt = await fs.readFile(path.join(repository, model, 'config.pbtxt'), 'utf8');
      expect(pbtxt).toContain('dynamic_batching {');
      await expect(fs.access(path.join(repository, model, '1', 'model.onnx'))).resolves.toBeUndefined();
    }
    expect((await readIdMaps(repository, TWO_STAGE_MODELS.transitions, 1)).items).toEqual(data.itemIds);
    for (const file of ['config.json', 'config.pbtxt', '1/model.onnx', '1/metadata.json', '1/ids.json']) {
      await expect(fs.access(path.join(repository, RECOMMENDER, file))).resolves.toBeUndefined();
    }
    const ids = await readIdMaps(repository, RECOMMENDER, 1);
    expect(ids.users).toEqual(data.userIds);
    expect(ids.items).toEqual(data.itemIds); // products nobody bought still have a column
    expect(ids.cold_start_index).toBe(50);
    expect((await readVersionMetadata(repository, RECOMMENDER, 1)).input_bounds.user_index).toEqual([0, 51]);
    expect((await readIdMaps(repository, SIMILAR_ITEMS, 1)).items).toHaveLength(80);
    const pbtxt = await fs.readFile(path.join(repository, RECOMMENDER, 'config.pbtxt'), 'utf8');
    expect(pbtxt).toContain('platform: "onnxruntime_onnx"');
    expect(pbtxt).toContain('dynamic_batching {');

    await trainAndPublish(data.interactions, { repository, factors: 8, epochs: 1, twoStage: false, progress: false });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1, 2]);
    expect(await listVersions(repository, TWO_STAGE_MODELS.ranker)).toEqual([1]);
  });

  it('ensureModel trains only when the repository has no recommender or no ranker', async () => {
    const data = orders(30, 40, 200);
    let loads = 0;
    const source: InteractionSource = { load: async () => (loads++, data.interactions) };
    expect(await ensureModel(repository, source, { factors: 4, epochs: 1 })).toMatchObject({ recommender: 1, twoStage: { ranker: 1 } });
    expect(await ensureModel(repository, source)).toBeUndefined();
    expect(loads).toBe(1);
  });

  it('ensureModel trains a repository from before the two-stage pipeline (a recommender, no ranker)', async () => {
    const data = orders(30, 40, 200);
    await trainAndPublish(data.interactions, { repository, factors: 4, epochs: 1, twoStage: false, progress: false });
    const source: InteractionSource = { load: async () => data.interactions };
    expect(await ensureModel(repository, source, { factors: 4, epochs: 1 })).toMatchObject({ recommender: 2, twoStage: { ranker: 1 } });
  });

  it('ensureModel trains again when the latest ranker was trained on other features (hour of day, before issue 20)', async () => {
    const data = orders(30, 40, 200);
    const source: InteractionSource = { load: async () => data.interactions };
    await ensureModel(repository, source, { factors: 4, epochs: 1 });
    const file = versionFile(repository, TWO_STAGE_MODELS.ranker, 1, 'metadata.json');
    const metadata = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...metadata, features: [...metadata.features, 'hour_sin', 'hour_cos'] }));
    expect(await ensureModel(repository, source, { factors: 4, epochs: 1 })).toMatchObject({ recommender: 2, twoStage: { ranker: 2 } });
    expect(await ensureModel(repository, source)).toBeUndefined();
  });

  // How long this takes is a speed target: `npm start` prints the training time on first start.
  it('trains and publishes the embedded catalogue (2,000 users, 5,000 products, 30,000 orders)', async () => {
    const data = orders(2000, 5000, 30_000);
    await trainAndPublish(data.interactions, {
      repository,
      userIds: data.userIds,
      itemIds: data.itemIds,
      ...EMBEDDED_TRAINING,
      twoStage: EMBEDDED_TWO_STAGE,
      progress: false,
    });
    expect(await listVersions(repository, RECOMMENDER)).toEqual([1]);
    expect(await listVersions(repository, TWO_STAGE_MODELS.ranker)).toEqual([1]);
    expect((await readIdMaps(repository, RECOMMENDER, 1)).items).toHaveLength(5000);
  });
});
