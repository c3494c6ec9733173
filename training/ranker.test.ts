import { scoreRows, trainRanker, type RankerQuery } from './ranker';
import { seededRandom } from './rng';

/**
 * A planted pattern the ranker must find: the item taken next is the one whose features 0 and 1
 * are both high (neither alone identifies it: other candidates have one of them high half the
 * time); features 2–3 are noise.
 */
function plantedQueries(seed: number, count: number): RankerQuery[] {
  const random = seededRandom(seed);
  const features = 4;
  return Array.from({ length: count }, () => {
    const rows = 8;
    const x = new Float32Array(rows * features);
    const label = Math.floor(random() * rows);
    for (let r = 0; r < rows; r++) {
      const a = r === label ? 1 : random() < 0.5 ? 1 : 0;
      const b = r === label ? 1 : a === 1 ? 0 : random() < 0.5 ? 1 : 0;
      x.set([a + random() * 0.2, b + random() * 0.2, random(), random()], r * features);
    }
    return { features: x, rows, label };
  });
}

function top1(queries: RankerQuery[], score: (q: RankerQuery) => Float64Array): number {
  let hits = 0;
  for (const q of queries) {
    const s = score(q);
    let best = 0;
    for (let r = 1; r < q.rows; r++) if (s[r] > s[best]) best = r;
    if (best === q.label) hits++;
  }
  return hits / queries.length;
}

describe('trainRanker (listwise softmax MLP)', () => {
  it('learns a planted pattern: held-out top-1 accuracy far above chance (1/8)', () => {
    const model = trainRanker(plantedQueries(1, 400), 4, { hidden: 8, epochs: 10, seed: 3 });
    const accuracy = top1(plantedQueries(2, 200), (q) => scoreRows(model, q.features, q.rows));
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed', () => {
    const queries = plantedQueries(4, 50);
    const a = trainRanker(queries, 4, { hidden: 4, epochs: 2, seed: 9 });
    const b = trainRanker(queries, 4, { hidden: 4, epochs: 2, seed: 9 });
    expect(Array.from(a.w1)).toEqual(Array.from(b.w1));
    expect(a.bias).toBe(b.bias);
  });
});
