import { RetiredError } from '../errors';
import type { TensorMap } from '../runtime/onnx-session';
import { DynamicBatcher, type BatcherOptions, type BatchStats } from './dynamic-batcher';

const defaults: BatcherOptions = {
  enabled: true,
  maxBatchSize: 8,
  maxQueueDelayMs: 5,
  preferredBatchSizes: [],
  maxQueueSize: 100,
  timeoutMs: 0,
  instanceCount: 1,
  padValues: {},
};

/** A fake model: output row = input row × 10, after `delayMs`; records the batch sizes it saw. */
function fakeModel(delayMs = 1) {
  const sizes: number[] = [];
  const execute = async (batch: TensorMap): Promise<TensorMap> => {
    sizes.push(batch.x.dims[0]);
    await new Promise((r) => setTimeout(r, delayMs));
    return { y: { data: Float32Array.from(batch.x.data as Float32Array, (v) => v * 10), dims: batch.x.dims } };
  };
  return { execute, sizes };
}

const request = (values: number[]): TensorMap => ({ x: { data: Float32Array.from(values), dims: [values.length, 1] } });

describe('DynamicBatcher', () => {
  it('merges concurrent requests into batches and gives each caller exactly its own rows', async () => {
    const model = fakeModel(2);
    const stats: BatchStats[] = [];
    const batcher = new DynamicBatcher(model.execute, defaults, (s) => stats.push(s));
    const calls = Array.from({ length: 20 }, (_, i) => batcher.submit(request([i, i + 0.5]), 2));
    const results = await Promise.all(calls);
    results.forEach((out, i) => expect(Array.from(out.y.data as Float32Array)).toEqual([i * 10, (i + 0.5) * 10]));
    expect(Math.max(...model.sizes)).toBe(8);
    expect(model.sizes.reduce((a, b) => a + b, 0)).toBe(40);
    expect(stats.every((s) => s.size <= 8)).toBe(true);
  });

  it('cuts a partial batch once the oldest request has waited max_queue_delay', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(model.execute, { ...defaults, maxQueueDelayMs: 20 });
    const started = performance.now();
    await batcher.submit(request([1]), 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(18);
    expect(model.sizes).toEqual([1]);
  });

  it('with batching off runs every request alone', async () => {
    const model = fakeModel();
    const batcher = new DynamicBatcher(model.execute, { ...defaults, enabled: false });
    await Promise.all(Array.from({ length: 5 }, (_, i) => batcher.submit(request([i]), 1)));
    expect(model.sizes).toEqual([1, 1, 1, 1, 1]);
  });

  it('prefers a preferred batch size when more is queued', async () => {
    const model = fakeModel(5);
    const batcher = new DynamicBatcher(model.execute, { ...defaults, preferredBatchSizes: [4], maxQueueDelayMs: 50 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => batcher.submit(request([i]), 1)));
    expect(model.sizes.slice(0, 2)).toEqual([4, 4]);
  });

  it('rejects with 503 when the queue is full, and times out requests that wait too long', async () => {
    const model = fakeModel(30);
    const batcher = new DynamicBatcher(model.execute, { ...defaults, maxBatchSize: 1, maxQueueSize: 2, timeoutMs: 10, maxQueueDelayMs: 0 });
    const first = batcher.submit(request([1]), 1); // runs at once
    const queued = [batcher.submit(request([2]), 1), batcher.submit(request([3]), 1)];
    await expect(batcher.submit(request([4]), 1)).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/overloaded/) });
    await expect(queued[0]).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/timed out/) });
    await expect(queued[1]).rejects.toMatchObject({ status: 503 });
    await expect(first).resolves.toBeDefined();
  });

  it('close() answers everything queued, then refuses new work with RetiredError', async () => {
    const model = fakeModel(3);
    const batcher = new DynamicBatcher(model.execute, { ...defaults, maxBatchSize: 2 });
    const calls = Array.from({ length: 7 }, (_, i) => batcher.submit(request([i]), 1));
    await batcher.close();
    expect((await Promise.all(calls)).length).toBe(7);
    await expect(batcher.submit(request([1]), 1)).rejects.toBeInstanceOf(RetiredError);
  });

  it('an execution error fails only that batch, and the batcher keeps serving', async () => {
    let fail = true;
    const batcher = new DynamicBatcher(
      async (b) => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return { y: b.x };
      },
      { ...defaults, maxQueueDelayMs: 0 },
    );
    await expect(batcher.submit(request([1]), 1)).rejects.toMatchObject({ status: 500 });
    await expect(batcher.submit(request([2]), 1)).resolves.toBeDefined();
  });
});
