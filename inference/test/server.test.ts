/** @jest-environment ./inference/test/ort-environment.js */
/**
 * The OIP server end to end over real HTTP (port 0): metadata, inference, batching under
 * concurrency, every bad input → 400, overload → 503, metrics.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { startInferenceServer, type RunningInferenceServer } from '../index';
import type { ModelConfig } from '../repository/model-config';
import { seededRandom } from '../../training/rng';
import { expectRowsBelongTo, getJson, outputOf, postJson, publishRandomModel, tempRepository, userRequest } from './helpers';

const USERS = 40;
const ITEMS = 60;

describe('inference server (OIP over HTTP)', () => {
  let repo: Awaited<ReturnType<typeof tempRepository>>;
  let server: RunningInferenceServer;
  let model: Awaited<ReturnType<typeof publishRandomModel>>['model'];
  let infer: string;

  beforeAll(async () => {
    repo = await tempRepository();
    ({ model } = await publishRandomModel(repo.dir, 1, USERS, ITEMS));
    server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 0 });
    infer = `${server.url}/v2/models/recommender/infer`;
  });

  afterAll(async () => {
    await server?.close();
    await repo?.remove();
  });

  it('answers health, server and model metadata', async () => {
    expect((await getJson(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await getJson(`${server.url}/healthz`)).body).toEqual({ status: 'ok', service: 'inference' });
    expect((await getJson(`${server.url}/v2/health/ready`)).body).toEqual({ ready: true });
    // The platform host's readiness, as every service answers it, follows the same verdict.
    expect((await getJson(`${server.url}/readyz`)).body).toEqual({ status: 'ready', service: 'inference' });
    expect((await getJson(`${server.url}/no-such-path`)).status).toBe(400);
    expect((await getJson(`${server.url}/v2`)).body.name).toBe('federation-platform-inference');
    const meta = await getJson(`${server.url}/v2/models/recommender`);
    expect(meta.body).toMatchObject({
      name: 'recommender',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'user_index', datatype: 'INT64', shape: [-1, 1] },
        { name: 'exclude', datatype: 'INT64', shape: [-1, -1] },
      ],
      outputs: [
        { name: 'item_index', datatype: 'INT64', shape: [-1, 5] },
        { name: 'score', datatype: 'FP32', shape: [-1, 5] },
      ],
      parameters: { execution_provider: 'cpu' },
    });
    expect((await getJson(`${server.url}/v2/models/recommender/versions/1/ready`)).status).toBe(200);
    expect((await getJson(`${server.url}/v2/models/similar_items/config`)).body.max_batch_size).toBe(64);
    const ids = await getJson(`${server.url}/v2/models/recommender/versions/1/ids`);
    expect(ids.body.users[0]).toBe('user-0001');
    expect(ids.body.items).toHaveLength(ITEMS);
    expect(ids.body.cold_start_index).toBe(USERS);
  });

  it('scores a batch of users, best first, and names the version that served it', async () => {
    const users = [0, 7, 39, USERS /* cold-start row */];
    const { status, body } = await postJson(infer, { id: 'req-1', ...userRequest(users.slice(0, 3)) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_name: 'recommender', model_version: '1', id: 'req-1' });
    expectRowsBelongTo(model, users.slice(0, 3), body);
    const pinned = await postJson(`${server.url}/v2/models/recommender/versions/1/infer`, userRequest([USERS]));
    expect(pinned.status).toBe(200);
    expect(outputOf(pinned.body, 'item_index').data).toHaveLength(5);
  });

  it('never returns excluded items; rows of different widths pad with -1', async () => {
    const first = await postJson(infer, userRequest([2, 4]));
    const top = outputOf(first.body, 'item_index').data;
    const excludeTop = [top.slice(0, 3), [top[5], -1, -1]];
    const { status, body } = await postJson(infer, userRequest([2, 4], excludeTop));
    expect(status).toBe(200);
    expectRowsBelongTo(model, [2, 4], body, [new Set(excludeTop[0]), new Set([top[5]])]);
  });

  it('similar_items returns neighbours of the item, never the item itself', async () => {
    const { status, body } = await postJson(`${server.url}/v2/models/similar_items/infer`, {
      inputs: [
        { name: 'query_item_index', shape: [2, 1], datatype: 'INT64', data: [[3], [4]] },
        { name: 'exclude', shape: [2, 1], datatype: 'INT64', data: [[-1], [-1]] },
      ],
    });
    expect(status).toBe(200);
    const items = outputOf(body, 'item_index').data;
    expect(items.slice(0, 5)).not.toContain(3);
    expect(items.slice(5)).not.toContain(4);
  });

  it('concurrent callers each get exactly their own rows, merged into batches', async () => {
    const random = seededRandom(7);
    const calls = Array.from({ length: 120 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 4) }, () => Math.floor(random() * USERS)),
    );
    const before = await batchStats(server.url);
    const results = await Promise.all(calls.map((users) => postJson(infer, userRequest(users))));
    results.forEach((result, i) => {
      expect(result.status).toBe(200);
      expectRowsBelongTo(model, calls[i], result.body);
    });
    const after = await batchStats(server.url);
    const batches = after.count - before.count;
    const rows = after.sum - before.sum;
    expect(rows).toBe(calls.flat().length);
    expect(batches).toBeLessThan(calls.length); // some requests shared a batch
  });

  describe('bad input → 400 naming the problem; the server stays up', () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['unknown model', 'nope', userRequest([1]), /unknown model "nope"/],
      [
        'unknown input name',
        'recommender',
        { inputs: [{ name: 'user', shape: [1, 1], datatype: 'INT64', data: [1] }] },
        /unknown input "user"/,
      ],
      [
        'missing required input',
        'recommender',
        { inputs: [{ name: 'exclude', shape: [1, 1], datatype: 'INT64', data: [1] }] },
        /missing input "user_index"/,
      ],
      [
        'missing exclude (required: the config does not mark it optional)',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [1, 1], datatype: 'INT64', data: [1] }] },
        /missing input "exclude"/,
      ],
      [
        'wrong dtype',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [1, 1], datatype: 'FP32', data: [1] }] },
        /"user_index" must have datatype INT64/,
      ],
      [
        'wrong rank',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [2], datatype: 'INT64', data: [1, 2] }] },
        /"user_index" must have shape \[batch, 1\]/,
      ],
      [
        'wrong fixed dimension',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [1, 2], datatype: 'INT64', data: [1, 2] }] },
        /"user_index" dimension 1 must be 1/,
      ],
      [
        'data length vs shape',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [3, 1], datatype: 'INT64', data: [1, 2] }] },
        /has 2 values but shape \[3, 1\] needs 3/,
      ],
      [
        'non-integer value',
        'recommender',
        { inputs: [{ name: 'user_index', shape: [1, 1], datatype: 'INT64', data: [1.5] }] },
        /value #0 \(1.5\) is not an integer/,
      ],
      ['oversized batch', 'recommender', userRequest(Array.from({ length: 65 }, () => 1)), /batch size 65, above max_batch_size 64/],
      ['user index out of range', 'recommender', userRequest([0, USERS + 1]), /"user_index" value #1 \(41\) is out of range \[0, 41\)/],
      ['negative user index', 'recommender', userRequest([-1]), /"user_index" value #0 \(-1\) is out of range/],
      ['exclude out of range', 'recommender', userRequest([1], [[ITEMS + 5]]), /"exclude" value #0 \(65\) is out of range \[-1, 61\)/],
      ['batch sizes disagree', 'recommender', userRequest([1, 2], [[1]]), /"exclude" has batch size 1 but other inputs have 2/],
      ['unknown output', 'recommender', { ...userRequest([1]), outputs: [{ name: 'scores' }] }, /unknown output "scores"/],
      ['outputs not a list', 'recommender', { ...userRequest([1]), outputs: 'score' }, /"outputs" must be an array/],
      [
        'input given twice',
        'recommender',
        { inputs: [...userRequest([1]).inputs, ...userRequest([2]).inputs] },
        /input "user_index" is given twice/,
      ],
      ['no inputs', 'recommender', { inputs: [] }, /"inputs" must be a non-empty array/],
      ['body not an object', 'recommender', [1, 2], /request body must be a JSON object/],
      ['invalid JSON', 'recommender', '{"inputs": [', /request body/],
    ];
    it.each(cases)('%s', async (_label, modelName, body, message) => {
      const { status, body: answer } = await postJson(`${server.url}/v2/models/${modelName}/infer`, body);
      expect(status).toBe(400);
      expect(answer.error).toMatch(message);
      expect(answer.code).toBe('BAD_USER_INPUT');
    });

    it('unknown version', async () => {
      const { status, body } = await postJson(`${server.url}/v2/models/recommender/versions/9/infer`, userRequest([1]));
      expect(status).toBe(400);
      expect(body.error).toMatch(/unknown version "9" of model "recommender"; loaded versions: 1/);
    });

    it('still serves afterwards', async () => {
      expect((await postJson(infer, userRequest([1]))).status).toBe(200);
    });
  });

  it('exposes the fixed metric names, per model and version, with the provider in use', async () => {
    const { body } = await getJson(`${server.url}/metrics`);
    expect(body).toMatch(/inference_requests_total\{model="recommender",version="1"\} \d+/);
    expect(body).toMatch(/inference_batch_size_bucket\{le="1",model="recommender"\}/);
    expect(body).toMatch(/inference_execution_provider\{model="recommender",version="1",provider="cpu"\} 1/);
    expect(body).toMatch(/inference_request_duration_seconds_bucket\{le="\+Inf",model="recommender",version="1"\} [1-9]/);
    expect(body).toMatch(/inference_errors_total\{model="recommender",version="1",status="400"\}/);
  });
});

describe('overload', () => {
  it('answers 503 with a clear message when the queue is full, and recovers', async () => {
    const repo = await tempRepository();
    // A bigger catalogue so executions take long enough for a queue to build.
    await publishRandomModel(repo.dir, 3, 10, 40_000, 32, 5);
    const configFile = path.join(repo.dir, 'recommender', 'config.json');
    const config: ModelConfig = JSON.parse(await fs.readFile(configFile, 'utf8'));
    // Every request is a full batch of 64 users, so each takes one whole execution and the queue of 2 fills.
    config.dynamic_batching = { max_queue_delay_microseconds: 0, default_queue_policy: { max_queue_size: 2 } };
    await fs.writeFile(configFile, JSON.stringify(config));
    const server = await startInferenceServer({ port: 0, modelRepository: repo.dir, executionProviders: ['cpu'], pollIntervalMs: 0 });
    try {
      const url = `${server.url}/v2/models/recommender/infer`;
      const fullBatch = userRequest(Array.from({ length: 64 }, (_, i) => i % 10));
      const results = await Promise.all(Array.from({ length: 60 }, () => postJson(url, fullBatch)));
      const overloaded = results.filter((r) => r.status === 503);
      expect(overloaded.length).toBeGreaterThan(0);
      expect(overloaded[0].body).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        error: expect.stringMatching(/overloaded: .*max_queue_size 2/),
      });
      expect(results.filter((r) => r.status === 200).length + overloaded.length).toBe(60);
      expect((await postJson(url, userRequest([1]))).status).toBe(200);
    } finally {
      await server.close();
      await repo.remove();
    }
  });
});

async function batchStats(url: string): Promise<{ count: number; sum: number }> {
  const { body } = await getJson(`${url}/metrics`);
  const read = (name: string) => Number(new RegExp(`${name}\\{model="recommender"\\} (\\S+)`).exec(body)?.[1] ?? 0);
  return { count: read('inference_batch_size_count'), sum: read('inference_batch_size_sum') };
}
