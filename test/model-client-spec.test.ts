/**
 * The subgraph's model client against a server that implements only the specification: a proxy in
 * front of the real inference server that forwards the spec's routes (test/support/oip-spec.ts),
 * answers 404 to anything else as Triton does, and rejects an infer request that leaves out an
 * input the model's metadata declares (Triton: 400). It names no extensions in its metadata, so the
 * client sends and reads JSON tensors only. Every request is recorded and checked, and the
 * recommendations must come from the model, not from a fallback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startInferenceServer, type RunningInferenceServer } from '../inference';
import { publishTrainedModels } from '../training/export-models';
import { idsFor, randomModel, tempRepository } from '../inference/test/helpers';
import { InferenceClient } from '../subgraphs/recommendations/transport/inference-client';
import { RecommendationModels } from '../subgraphs/recommendations/transport/model-client';
import { specRoute } from './support/oip-spec';

interface Recorded {
  method: string;
  path: string;
  inputs?: string[];
}

/** Spec-only front: forwards spec routes to `upstream`, 404 for the rest, 400 for missing inputs. */
function specOnlyServer(upstream: string) {
  const recorded: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const path = new URL(req.url!, 'http://x').pathname;
      const body = Buffer.concat(chunks);
      const entry: Recorded = { method: req.method!, path };
      recorded.push(entry);
      const reply = (status: number, text: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(text);
      if (!specRoute(req.method!, path)) return reply(404, JSON.stringify({ error: `Not Found: ${path}` }));
      if (req.method === 'POST') {
        const request = JSON.parse(body.toString('utf8')) as { inputs: { name: string }[] };
        entry.inputs = request.inputs.map((input) => input.name);
        const metadataPath = path.replace(/\/infer$/, '');
        const metadata = (await (await fetch(upstream + metadataPath)).json()) as { inputs: { name: string }[] };
        const missing = metadata.inputs.find((input) => !entry.inputs!.includes(input.name));
        if (missing) return reply(400, JSON.stringify({ error: `expected ${metadata.inputs.length} inputs, missing ${missing.name}` }));
      }
      const answer = await fetch(upstream + req.url, {
        method: req.method,
        headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
        body: req.method === 'POST' ? body : undefined,
      });
      // A server of the bare specification names no extensions: the client must not assume
      // Triton's binary tensor data of it.
      if (path === '/v2' && answer.ok)
        return reply(answer.status, JSON.stringify({ ...((await answer.json()) as object), extensions: [] }));
      reply(answer.status, await answer.text());
    });
  });
  return { server, recorded };
}

describe('recommendation model client against a specification-only server', () => {
  const USERS = 10;
  const ITEMS = 25;
  const ids = idsFor(USERS, ITEMS);
  let repository: Awaited<ReturnType<typeof tempRepository>>;
  let inference: RunningInferenceServer;
  let front: ReturnType<typeof specOnlyServer>;
  let client: InferenceClient;
  let models: RecommendationModels;
  const deadline = () => AbortSignal.timeout(10_000);

  beforeAll(async () => {
    repository = await tempRepository();
    await publishTrainedModels(repository.dir, randomModel(5, USERS, ITEMS, 6), ids, { k: 4, maxBatchSize: 8 });
    inference = await startInferenceServer({ port: 0, host: '127.0.0.1', modelRepository: repository.dir, pollIntervalMs: 0 });
    front = specOnlyServer(inference.url);
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    client = new InferenceClient({
      baseUrl: `http://127.0.0.1:${(front.server.address() as AddressInfo).port}`,
      log: pino({ level: 'silent' }),
    });
    models = new RecommendationModels(client);
  });

  afterAll(async () => {
    client?.close();
    await new Promise((resolve) => front?.server.close(resolve));
    await inference?.close();
    await repository?.remove();
  });

  it('answers taste and similar items from the model, calling only spec routes with every declared input', async () => {
    const taste = await models.tasteOf(
      [
        { userId: ids.users[1], exclude: [ids.items[0]] },
        { userId: 'unseen-user', exclude: [] },
      ],
      deadline(),
    );
    expect(taste.version).toBe('1');
    expect(taste.rows).toHaveLength(2);
    for (const row of taste.rows) {
      expect(row).toHaveLength(4);
      expect(row.every(({ productId }) => ids.items.includes(productId))).toBe(true);
    }
    expect(taste.rows[0].map((r) => r.productId)).not.toContain(ids.items[0]);

    const similar = await models.similarTo([ids.items[2], 'product-newer-than-the-model'], deadline());
    expect(similar.version).toBe('1');
    expect(similar.rows[0]!.map((r) => r.productId)).not.toContain(ids.items[2]);
    expect(similar.rows[0]).toHaveLength(4);
    expect(similar.rows[1]).toBeUndefined();

    expect(front.recorded.length).toBeGreaterThan(0);
    for (const request of front.recorded) {
      expect({ request, route: specRoute(request.method, request.path)?.source }).toEqual({ request, route: expect.any(String) });
    }
    expect(front.recorded.filter((r) => r.method === 'POST').map((r) => [r.path, r.inputs])).toEqual([
      ['/v2/models/recommender/versions/1/infer', ['user_index', 'exclude']],
      ['/v2/models/similar_items/versions/1/infer', ['query_item_index', 'exclude']],
    ]);
    expect(client.circuitOpen).toBe(false);
  });
});
