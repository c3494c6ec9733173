/**
 * TwoStageRecommender over the recommendations read model: histories and activity come from the
 * database (purchases and recorded interactions), models from a real inference server trained on
 * the same database; lists are cached under their own prefix and degrade to popularity when
 * inference goes away. Planted: whoever takes A takes B next.
 */
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { tempRepository } from '../inference/test/helpers';
import { PlatformInteractionSource } from '../inference/training/platform-source';
import { seededRandom } from '../inference/training/rng';
import { trainAndPublish } from '../inference/training/train-and-publish';
import { openDatabase, type Database, type PrismaClient } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import { MemoryCandidateCache } from '../subgraphs/recommendations/cache';
import { InferenceClient } from '../subgraphs/recommendations/inference-client';
import { RecommendationModels } from '../subgraphs/recommendations/model-client';
import { PopularityCache } from '../subgraphs/recommendations/popularity';
import { RecommendationPlacement, RecommendationReason } from '../subgraphs/recommendations/recommendation';
import { createTwoStageRecommender, TwoStageRecommender } from '../subgraphs/recommendations/two-stage/recommender';
import { createTestDatabase, type TestDatabase } from './support/database';

const ITEMS = Array.from({ length: 40 }, (_, i) => `product-${String(i).padStart(3, '0')}`);
const USERS = Array.from({ length: 60 }, (_, u) => `user-${String(u).padStart(3, '0')}`);
const A = ITEMS[5];
const B = ITEMS[17];
const HOUR = 3_600_000;
const START = Date.now() - 60 * 24 * HOUR;

/** Purchases in sequences of 10 distinct products; wherever A lands, B follows. */
function purchases() {
  const random = seededRandom(29);
  const rows: { orderId: string; productId: string; userId: string; quantity: number; purchasedAt: Date }[] = [];
  USERS.forEach((userId, u) => {
    const sequence: string[] = [];
    while (sequence.length < 10) {
      const item = ITEMS[Math.floor(random() * ITEMS.length)];
      if (item === B || sequence.includes(item)) continue;
      sequence.push(item);
      if (item === A && sequence.length < 10) sequence.push(B);
    }
    if (u % 3 === 0 && !sequence.includes(A)) sequence.splice(Math.floor(random() * 8), 2, A, B);
    sequence.forEach((productId, p) =>
      rows.push({ orderId: `${userId}-${p}`, productId, userId, quantity: 1, purchasedAt: new Date(START + u * 10 * HOUR + p * HOUR) }),
    );
  });
  return rows;
}

describe('TwoStageRecommender over the database', () => {
  let testDb: TestDatabase;
  let db: Database;
  let prisma: PrismaClient;
  let repository: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let client: InferenceClient;
  let recommender: TwoStageRecommender;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db);
    prisma = db.createClient();
    await prisma.purchase.createMany({ data: purchases() });
    // The probe bought something long ago and has just viewed A: B should come first.
    await prisma.purchase.create({
      data: { orderId: 'probe-0', productId: ITEMS[30], userId: 'probe', quantity: 1, purchasedAt: new Date(Date.now() - 48 * HOUR) },
    });
    await prisma.interaction.create({ data: { userId: 'probe', productId: A, kind: 'VIEW', createdAt: new Date(Date.now() - 60_000) } });

    repository = await tempRepository();
    const source = new PlatformInteractionSource(db);
    await trainAndPublish(await source.load(), {
      repository: repository.dir,
      userIds: [...USERS, 'probe'],
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
    recommender = createTwoStageRecommender({
      prisma,
      models: new RecommendationModels(client),
      cache: new MemoryCandidateCache(),
      popularity: new PopularityCache(prisma),
      deadlineMs: 20_000,
      log: pino({ level: 'silent' }),
    });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.close();
    await repository?.remove();
    await prisma?.$disconnect();
    await db?.close();
    await testDb?.drop();
  });

  it('ranks B first after A from the database history, then answers from its own cache', async () => {
    const [list] = await recommender.forUsers(['probe'], RecommendationPlacement.HOME);
    expect(list.degraded).toBe(false);
    expect(list.version).toBe('1');
    expect(list.candidates[0]).toMatchObject({ productId: B, reason: RecommendationReason.SIMILAR_TO_RECENT });
    expect(list.exclude).toEqual(new Set([ITEMS[30]]));
    expect(list.candidates.some((c) => c.productId === ITEMS[30])).toBe(false);

    const infer = jest.spyOn(client, 'infer');
    const [again] = await recommender.forUsers(['probe'], RecommendationPlacement.HOME);
    expect(infer).not.toHaveBeenCalled();
    infer.mockRestore();
    expect(again.candidates).toEqual(list.candidates);
    expect(TwoStageRecommender.cacheKey('probe', RecommendationPlacement.HOME)).toBe('2s:probe:HOME');
  });

  it('degrades to popularity when inference is gone', async () => {
    await recommender.invalidate('probe');
    await server.close();
    const [list] = await recommender.forUsers(['probe'], RecommendationPlacement.CART);
    expect(list).toMatchObject({ degraded: true, version: null });
    expect(list.candidates.length).toBeGreaterThan(0);
    expect(list.candidates.every((c) => c.reason === RecommendationReason.POPULAR)).toBe(true);
    expect(list.candidates.some((c) => c.productId === ITEMS[30])).toBe(false);
  });
});
