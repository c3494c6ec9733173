/** @jest-environment ./inference/test/ort-environment.js */
import * as ort from 'onnxruntime-node';
import { trainRanker, scoreRows } from '../ranker';
import { seededRandom } from '../rng';
import { contentModel, contentRecall, sparseRecall, trainCoOccurrence, trainTransitions } from '../sequence-models';
import { buildContentRecall, buildMlpScorer, buildSparseRecall } from './recall-graphs';

async function run(model: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const int64 = (rows: number[][], width: number) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flatMap((r) => [...r, ...new Array(width - r.length).fill(-1)]).map(BigInt)), [
    rows.length,
    width,
  ]);
const float = (rows: number[][], width: number) =>
  new ort.Tensor('float32', Float32Array.from(rows.flatMap((r) => [...r, ...new Array(width - r.length).fill(0)])), [rows.length, width]);

/** Seeded random sequences over `items` items with a popularity skew. */
function sequences(seed: number, users: number, items: number, length: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: users }, () => Array.from({ length }, () => Math.floor(random() ** 2 * items)));
}

/** The ONNX top-k rows as (index, score) pairs, padding and zero scores dropped (the client and merge drop them too). */
function rowsOf(out: ort.InferenceSession.ReturnType, k: number, extra?: string) {
  const index = Array.from(out.item_index.data as BigInt64Array, Number);
  const score = Array.from(out.score.data as Float32Array);
  const normalized = extra ? Array.from(out[extra].data as Float32Array) : [];
  const rows: { index: number; score: number; normalized: number }[][] = [];
  for (let r = 0; r < index.length / k; r++) {
    rows.push(
      index
        .slice(r * k, (r + 1) * k)
        .map((i, j) => ({ index: i, score: score[r * k + j], normalized: normalized[r * k + j] ?? 0 }))
        .filter((e) => e.score > 0),
    );
  }
  return rows;
}

describe('sparse recall graph (transitions, co_occurrence) against the JS reference', () => {
  const numItems = 30;
  const data = sequences(7, 40, numItems, 12);
  const queries = [
    { recent: [3, 8, 1], weights: [1, 0.7, 0.49], exclude: [3, 8, 1, 5] },
    { recent: [12], weights: [1], exclude: [12] },
    { recent: [], weights: [], exclude: [] }, // no history: nothing to say
  ];

  it.each([
    ['transitions', trainTransitions(data, numItems, { window: 3, decay: 0.5, width: 6 })],
    ['co_occurrence', trainCoOccurrence(data, numItems, { window: 4, decay: 1, width: 6 })],
  ])('%s: same items, scores and normalised scores as sparseRecall', async (name, model) => {
    const k = 10;
    const onnx = buildSparseRecall({
      name,
      numItems,
      width: model.width,
      neighbours: model.neighbours,
      weights: model.weights,
      normalized: model.normalized,
      k,
    });
    const width = 3;
    const out = await run(onnx, {
      recent_items: int64(
        queries.map((q) => q.recent),
        width,
      ),
      recent_weights: float(
        queries.map((q) => q.weights),
        width,
      ),
      exclude: int64(
        queries.map((q) => q.exclude),
        4,
      ),
    });
    const rows = rowsOf(out, k, model.normalized ? 'normalized_score' : undefined);
    queries.forEach((q, r) => {
      const expected = sparseRecall(
        model,
        q.recent.map((index, j) => ({ index, weight: q.weights[j] })),
        new Set(q.exclude),
        k,
      );
      expect(rows[r].map((e) => e.index).sort()).toEqual(expected.map((e) => e.index).sort());
      for (const e of expected) {
        const got = rows[r].find((x) => x.index === e.index)!;
        expect(got.score).toBeCloseTo(e.score, 4);
        if (model.normalized) expect(got.normalized).toBeCloseTo(e.normalized, 5);
      }
      for (const e of rows[r]) expect(q.exclude).not.toContain(e.index);
    });
    expect(rows[2]).toEqual([]);
  });

  it('keeps S neighbours per item: the model is O(items × S), no items × items tensor', () => {
    const model = trainTransitions(sequences(3, 200, 500, 30), 500, { window: 3, decay: 0.5, width: 8 });
    expect(model.neighbours).toHaveLength(500 * 8);
    const onnx = buildSparseRecall({ name: 't', numItems: 500, width: 8, neighbours: model.neighbours, weights: model.weights, k: 5 });
    expect(onnx.length).toBeLessThan(501 * 8 * 16 + 20_000);
  });
});

describe('content recall graph against the JS reference', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const content = new Map([
    ['a', ['genre:drama']],
    ['b', ['genre:drama', 'genre:war']],
    ['c', ['genre:comedy']],
    ['d', ['genre:comedy', 'genre:drama']],
    ['e', []],
  ]);
  const model = contentModel(items, content);

  it('cosine of the weighted profile with every item, excluded items never returned', async () => {
    const onnx = buildContentRecall({ name: 'content_similar', numItems: 5, dims: model.dims, vectors: model.vectors, k: 5 });
    const out = await run(onnx, {
      recent_items: int64([[0, 2], [-1]], 2),
      recent_weights: float([[1, 0.5], [0]], 2),
      exclude: int64([[0], [-1]], 1),
    });
    const rows = rowsOf(out, 5);
    const expected = contentRecall(
      model,
      [
        { index: 0, weight: 1 },
        { index: 2, weight: 0.5 },
      ],
      new Set([0]),
      5,
    );
    expect(rows[0].map((e) => e.index)).toEqual(expected.map((e) => e.index));
    rows[0].forEach((e, j) => expect(e.score).toBeCloseTo(expected[j].score, 5));
    expect(rows[0].map((e) => e.index)).not.toContain(0);
    expect(rows[1]).toEqual([]); // an empty profile scores 0 everywhere, not NaN
  });
});

describe('ranker graph against the JS reference', () => {
  it('scores every row like scoreRows', async () => {
    const random = seededRandom(5);
    const features = 4;
    const queries = Array.from({ length: 30 }, () => {
      const rows = 6;
      const x = Float32Array.from({ length: rows * features }, () => random() * 3);
      return { features: x, rows, label: Math.floor(random() * rows) };
    });
    const model = trainRanker(queries, features, { hidden: 5, epochs: 2, seed: 1 });
    const onnx = buildMlpScorer({ name: 'ranker', ...model });
    const x = queries[0].features;
    const out = await run(onnx, { features: new ort.Tensor('float32', x, [6, features]) });
    const expected = scoreRows(model, x, 6);
    expect(out.score.dims).toEqual([6, 1]);
    Array.from(out.score.data as Float32Array).forEach((s, r) => expect(s).toBeCloseTo(expected[r], 4));
  });
});
