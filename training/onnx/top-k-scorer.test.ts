/** @jest-environment ./inference/test/ort-environment.js */
import * as ort from 'onnxruntime-node';
import { buildPlainMatMul, buildTopKScorer } from './top-k-scorer';

/** 2 users × 4 items × 2 factors, chosen so the right ranking is obvious by hand. */
const users = Float32Array.from([1, 0, 0, 1]);
const items = Float32Array.from([0.9, 0.1, 0.1, 0.9, 0.5, 0.5, 0.2, 0.3]);

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const int64 = (data: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(data.map(BigInt)), dims);

describe('buildTopKScorer', () => {
  const model = buildTopKScorer({
    name: 't',
    queryInput: 'user_index',
    queries: users,
    numQueries: 2,
    items,
    numItems: 4,
    factors: 2,
    k: 3,
  });

  it('scores with the embeddings and returns the top k in order', async () => {
    const out = await run(model, { user_index: int64([0, 1], [2, 1]), exclude: int64([4, 4], [2, 1]) });
    expect(Array.from(out.item_index.data as BigInt64Array, Number)).toEqual([0, 2, 3, 1, 2, 3]);
    expect(Array.from(out.score.data as Float32Array)).toEqual([0.9, 0.5, 0.2, 0.9, 0.5, 0.3].map(Math.fround));
  });

  it('never returns excluded items; padding index N excludes nothing', async () => {
    const out = await run(model, { user_index: int64([0, 1], [2, 1]), exclude: int64([0, 2, 4, 4], [2, 2]) });
    const top = Array.from(out.item_index.data as BigInt64Array, Number);
    expect(top.slice(0, 2)).toEqual([3, 1]);
    expect(top.slice(3, 6)).toEqual([1, 2, 3]);
  });

  it('similar-items graph excludes the query item itself', async () => {
    const similar = buildTopKScorer({
      name: 's',
      queryInput: 'query_item_index',
      queries: items,
      numQueries: 4,
      items,
      numItems: 4,
      factors: 2,
      k: 2,
      excludeQueryItself: true,
    });
    const out = await run(similar, { query_item_index: int64([0], [1, 1]), exclude: int64([4], [1, 1]) });
    expect(Array.from(out.item_index.data as BigInt64Array, Number)).toEqual([2, 3]);
  });

  it('plain MatMul reference computes the same scores', async () => {
    const out = await run(buildPlainMatMul(2, 4, items), { a: new ort.Tensor('float32', Float32Array.from([1, 0]), [1, 2]) });
    expect(Array.from(out.c.data as Float32Array)).toEqual([0.9, 0.1, 0.5, 0.2].map(Math.fround));
    expect(Array.from(out.c_head.data as Float32Array)).toEqual([Math.fround(0.9)]);
  });
});
