/**
 * Recommendations on the model, end to end: gateway → recommendations subgraph → the real
 * inference server (ONNX on CPU) trained on the seeded data, with business rules, session
 * signals, and degradation when the inference server goes away.
 */
import fc from 'fast-check';
import { gql } from 'graphql-request';
import { startInferenceServer } from '../inference';
import { eventually } from './support/eventually';
import { metricValue } from './support/metrics';
import { startTestPlatform, type TestPlatform } from './support/platform';

interface Rec {
  score: number;
  reason: string;
  degraded: boolean;
  modelVersion: string | null;
  product: { id: string; name: string; category: string; stock: number };
}

const REC_FIELDS = 'score reason degraded modelVersion product { id name category stock }';

describe('model-backed recommendations', () => {
  let t: TestPlatform;
  let admin: string;
  let inferenceUrl: string;

  beforeAll(async () => {
    // A deadline far above any model latency, so the model answers even on a machine under load;
    // the outage test below checks fallback by its reasons, not by how fast it came.
    t = await startTestPlatform(
      { seed: 21, users: 240, products: 600, orders: 3000 },
      { inference: true, config: { inferenceDeadlineMs: 30_000 } },
    );
    admin = await t.token('user-0001', ['customer', 'admin']);
    inferenceUrl = t.platform.inference!.url;
    // Starting with inference trains a model first: on a busy machine that alone can take a minute.
  }, 180_000);

  afterAll(() => t?.close());

  const recsOf = async (userId: string, first = 10, context = 'HOME') =>
    (
      await t
        .client(admin)
        .request<{ user: { recommendations: Rec[] } }>(
          `query ($id: ID!, $first: Int!, $context: RecommendationPlacement!) { user(id: $id) { recommendations(first: $first, context: $context) { ${REC_FIELDS} } } }`,
          { id: userId, first, context },
        )
    ).user.recommendations;

  it('sends one inference request for a dashboard of 200 users', async () => {
    const before = await metricValue(inferenceUrl, 'inference_requests_total', { model: 'recommender' });
    const { users } = await t.client(admin).request<{ users: { edges: { node: { id: string; recommendations: Rec[] } }[] } }>(gql`
      {
        users(first: 200) {
          edges {
            node {
              id
              recommendations(first: 10) {
                product {
                  name
                }
                degraded
                modelVersion
              }
            }
          }
        }
      }
    `);
    const after = await metricValue(inferenceUrl, 'inference_requests_total', { model: 'recommender' });
    expect(users.edges).toHaveLength(200);
    expect(users.edges.every((edge) => edge.node.recommendations.length === 10)).toBe(true);
    expect(users.edges.every((edge) => edge.node.recommendations.every((rec) => !rec.degraded))).toBe(true);
    expect(users.edges[0].node.recommendations.some((rec) => rec.modelVersion === '1')).toBe(true);
    expect(after - before).toBe(1);
  });

  it('merges concurrent operations into larger model batches', async () => {
    const requestsBefore = await metricValue(inferenceUrl, 'inference_requests_total', { model: 'recommender' });
    const batchesBefore = await metricValue(inferenceUrl, 'inference_batch_size_count', { model: 'recommender' });
    // 50 operations at once, each a different page of 4 users (cold in the cache, CART placement).
    const { users } = await t.client(admin).request<{ users: { edges: { cursor: string }[] } }>(gql`
      {
        users(first: 200) {
          edges {
            cursor
          }
        }
      }
    `);
    const cursors = users.edges
      .filter((_, index) => index % 4 === 3)
      .map((edge) => edge.cursor)
      .slice(0, 50);
    await Promise.all(
      cursors.map((after) =>
        t.client(admin).request(
          gql`
            query ($after: String) {
              users(first: 4, after: $after) {
                edges {
                  node {
                    recommendations(first: 5, context: CART) {
                      product {
                        id
                      }
                    }
                  }
                }
              }
            }
          `,
          { after },
        ),
      ),
    );
    const requests = (await metricValue(inferenceUrl, 'inference_requests_total', { model: 'recommender' })) - requestsBefore;
    const batches = (await metricValue(inferenceUrl, 'inference_batch_size_count', { model: 'recommender' })) - batchesBefore;
    const singleRequestBatches = await metricValue(inferenceUrl, 'inference_batch_size_bucket', { model: 'recommender', le: '4' });
    const allBatches = await metricValue(inferenceUrl, 'inference_batch_size_count', { model: 'recommender' });
    expect(requests).toBe(cursors.length);
    expect(batches).toBeLessThan(requests); // the dynamic batcher merged requests of different operations
    expect(allBatches - singleRequestBatches).toBeGreaterThan(0); // batches larger than one request's 4 rows
  });

  it('never recommends a product that is out of stock or already bought by the user', async () => {
    // Take some of the most recommended products out of stock, so the rule has work to do.
    const sample = await recsOf('user-0002', 20);
    for (const rec of sample.slice(0, 5)) {
      await t.client(admin).request(
        gql`
          mutation ($id: ID!) {
            setProductStock(productId: $id, stock: 0) {
              id
            }
          }
        `,
        { id: rec.product.id },
      );
    }
    const userIds = Array.from({ length: 240 }, (_, index) => `user-${String(index + 1).padStart(4, '0')}`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...userIds), fc.integer({ min: 1, max: 30 }), async (userId, first) => {
        const recs = await recsOf(userId, first);
        const bought = new Set(
          (
            await t.platform.db.sql.query<{ productId: string }>(
              `SELECT "productId" FROM "recommendations"."Purchase" WHERE "userId" = $1`,
              [userId],
            )
          ).map((row) => row.productId),
        );
        expect(recs.length).toBe(first);
        for (const rec of recs) {
          expect(rec.product.stock).toBeGreaterThan(0);
          expect(bought.has(rec.product.id)).toBe(false);
        }
        expect(new Set(recs.map((rec) => rec.product.id)).size).toBe(recs.length);
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it('drops a product the user hides or buys from their cached list at once', async () => {
    // A cached list keeps the exclusions it was made with; hiding and buying must drop it.
    const userId = 'user-0041';
    const client = t.client(await t.token(userId));
    const shown = await recsOf(userId, 10);
    expect(await recsOf(userId, 10)).toEqual(shown);
    const hidden = shown[0].product.id;
    await client.request(
      gql`
        mutation ($id: ID!) {
          hideRecommendation(productId: $id)
        }
      `,
      { id: hidden },
    );
    const afterHide = await recsOf(userId, 10);
    expect(afterHide.map((rec) => rec.product.id)).not.toContain(hidden);

    const bought = afterHide.find((rec) => rec.product.stock > 0)!.product.id;
    await client.request(
      gql`
        mutation ($input: PlaceOrderInput!) {
          placeOrder(input: $input) {
            id
          }
        }
      `,
      { input: { idempotencyKey: `recs-bought-${userId}`, items: [{ productId: bought, quantity: 1 }] } },
    );
    // The purchase reaches the recommendations subgraph as an event.
    const afterPurchase = await eventually(
      () => recsOf(userId, 10),
      (recs) => !recs.some((rec) => rec.product.id === bought),
    );
    expect(afterPurchase.map((rec) => rec.product.id)).not.toContain(bought);
    expect(afterPurchase.map((rec) => rec.product.id)).not.toContain(hidden);
  });

  it('shifts a user towards the category of their recent interactions, without a retrain', async () => {
    const userId = 'user-0030';
    const before = await recsOf(userId, 10);
    const counts = new Map<string, number>();
    for (const rec of before) counts.set(rec.product.category, (counts.get(rec.product.category) ?? 0) + 1);
    const { products } = await t.client().request<{ products: { edges: { node: { id: string; category: string } }[] } }>(gql`
      {
        products(first: 600) {
          edges {
            node {
              id
              category
            }
          }
        }
      }
    `);
    const categories = [...new Set(products.edges.map((edge) => edge.node.category))];
    const target = categories.sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0))[0];
    const inTarget = products.edges.filter((edge) => edge.node.category === target).slice(0, 4);
    const token = await t.token(userId);
    for (const [index, edge] of inTarget.entries()) {
      await t.client(token).request(
        gql`
          mutation ($id: ID!, $kind: InteractionKind!) {
            recordInteraction(productId: $id, kind: $kind) {
              id
            }
          }
        `,
        {
          id: edge.node.id,
          kind: index % 2 ? 'VIEW' : 'ADD_TO_CART',
        },
      );
    }
    const share = (recs: Rec[]) => recs.filter((rec) => rec.product.category === target).length;
    const after = await eventually(
      () => recsOf(userId, 10),
      (recs) => share(recs) >= 3,
    );
    expect(share(before)).toBeLessThanOrEqual(1);
    expect(share(after)).toBeGreaterThanOrEqual(3);
    expect(after.some((rec) => rec.reason === 'SIMILAR_TO_RECENT')).toBe(true);
  });

  it('answers from popularity while inference is down, opens the circuit, and returns to the model after', async () => {
    const recommendations = new URL(t.platform.subgraphs.recommendations.url).origin;
    const fallbacksOf = (reason: string) => metricValue(recommendations, 'recommendations_fallbacks_total', { reason });
    const inference = t.platform.inference!;
    const port = inference.port;
    await inference.close();
    const downBefore = await fallbacksOf('down');
    // Every list served is counted once, by what served it: the degraded share by reason is popularity lists over all lists.
    const listsOf = (labels: Record<string, string>) => metricValue(recommendations, 'recommendations_lists_total', labels);
    const listsBefore = { all: await listsOf({}), down: await listsOf({ served_by: 'popularity', reason: 'down' }) };
    const degraded = await recsOf('user-0210', 10, 'CART');
    expect(degraded).toHaveLength(10);
    expect(degraded.every((rec) => rec.degraded && rec.reason === 'POPULAR' && rec.modelVersion === null)).toBe(true);
    expect(await fallbacksOf('down')).toBeGreaterThan(downBefore);
    expect(await listsOf({})).toBe(listsBefore.all + 1);
    expect(await listsOf({ served_by: 'popularity', reason: 'down' })).toBe(listsBefore.down + 1);
    // Repeated failures open the circuit: later answers come from popularity without calling the model.
    const openBefore = await fallbacksOf('circuit_open');
    let calls = 0;
    const whileOpen = await eventually(
      async () => ({ recs: await recsOf(`user-02${11 + (calls++ % 20)}`, 5, 'CART'), open: await fallbacksOf('circuit_open') }),
      ({ open }) => open > openBefore,
      30_000,
    );
    expect(whileOpen.open).toBeGreaterThan(openBefore);
    expect(whileOpen.recs.every((rec) => rec.degraded && rec.reason === 'POPULAR')).toBe(true);

    const restarted = await startInferenceServer({
      port,
      grpcPort: 0,
      host: '127.0.0.1',
      modelRepository: t.platform.config.modelRepository,
    });
    try {
      const recovered = await eventually(
        () => recsOf('user-0215', 10, 'CART'),
        (recs) => recs.every((rec) => !rec.degraded),
        15_000,
      );
      expect(recovered.every((rec) => !rec.degraded)).toBe(true);
      expect(recovered.some((rec) => rec.modelVersion === '1')).toBe(true);
    } finally {
      await restarted.close();
    }
  });
});
