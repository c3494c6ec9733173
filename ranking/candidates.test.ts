import { NO_ACTIVITY, TimedActivity } from './activity';
import { mergeCandidates, RECALL_DEPTH, strongestSource } from './candidates';
import { FEATURE_COUNT, FEATURE_NAMES, writeFeatures } from './features';
import { recentWeighted } from './history';

describe('mergeCandidates', () => {
  it('unions the sources, drops excluded items and zero-score sparse hits, keeps per-source score and rank', () => {
    const merged = mergeCandidates(
      {
        lists: {
          successors: [
            { itemId: 'x', score: 0 }, // TopK filler: no evidence
            { itemId: 'a', score: 3 },
            { itemId: 'b', score: 2 },
          ],
          taste: [
            { itemId: 'b', score: -0.5 }, // dense sources keep any score
            { itemId: 'gone', score: 1 },
            { itemId: 'c', score: -1 },
          ],
          popular: [{ itemId: 'a', score: 10 }],
        },
        successorProbability: new Map([['a', 0.25]]),
      },
      new Set(['gone']),
    );
    expect(merged.map((c) => c.itemId)).toEqual(['a', 'b', 'c']);
    expect(merged[0]).toEqual({
      itemId: 'a',
      sources: { successors: { score: 3, rank: 0 }, popular: { score: 10, rank: 0 } },
      successorProbability: 0.25,
    });
    expect(merged[1].sources).toEqual({ successors: { score: 2, rank: 1 }, taste: { score: -0.5, rank: 0 } });
    expect(merged[2].sources.taste).toEqual({ score: -1, rank: 1 });
    expect(strongestSource(merged[1])).toBe('taste');
  });

  it('takes at most RECALL_DEPTH items from each source', () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ itemId: `i${i}`, score: 500 - i }));
    expect(mergeCandidates({ lists: { content: many } }, new Set())).toHaveLength(RECALL_DEPTH.content);
  });
});

describe('writeFeatures', () => {
  it('writes FEATURE_COUNT values per candidate in FEATURE_NAMES order', () => {
    const now = Date.UTC(2026, 0, 10, 6);
    const history = [
      { itemId: 'p', at: now - 5 * 3_600_000 },
      { itemId: 'q', at: now - 3_600_000 },
    ];
    const candidates = mergeCandidates(
      { lists: { successors: [{ itemId: 'a', score: 4 }], trending: [{ itemId: 'b', score: 9 }] } },
      new Set(),
    );
    const activity = new TimedActivity([
      { itemId: 'a', at: now - 40 * 86_400_000 },
      { itemId: 'a', at: now - 86_400_000 },
      { itemId: 'a', at: now + 1 }, // after now: never counted
    ]);
    const out = new Float32Array(2 * FEATURE_COUNT);
    writeFeatures(
      { history, now },
      candidates,
      new Map([
        ['a', activity.activityAt('a', now)],
        ['b', NO_ACTIVITY],
      ]),
      out,
    );
    const row = (r: number) => Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, out[r * FEATURE_COUNT + j]]));
    expect(row(0)).toMatchObject({
      successor_rank: 1,
      popularity: Math.fround(Math.log1p(2)),
      popularity_week: Math.fround(Math.log1p(1)),
      item_unseen: 0,
    });
    expect(row(0).successor_score).toBeCloseTo(Math.log1p(4));
    expect(row(0).item_age_days).toBeCloseTo(Math.log1p(40));
    expect(row(0).hours_since_last).toBeCloseTo(Math.log1p(1));
    expect(row(1)).toMatchObject({ successor_score: 0, trending_rank: 1, popularity: 0, item_unseen: 1 });
  });

  it('reads no clock: the same history, activity and moment shifted to any other time of day give the same features', () => {
    const HOUR = 3_600_000;
    // The moment issue 20's planted test failed at (23:15 UTC), and the same moment at other hours.
    const at = Date.UTC(2026, 11, 7, 23, 15);
    const features = (shift: number) => {
      const now = at + shift;
      const history = [
        { itemId: 'p', at: now - 48 * HOUR },
        { itemId: 'q', at: now - 60_000 },
      ];
      const candidates = mergeCandidates(
        {
          lists: {
            successors: [{ itemId: 'a', score: 4 }],
            neighbours: [{ itemId: 'b', score: 2 }],
            trending: [{ itemId: 'c', score: 9 }],
          },
        },
        new Set(),
      );
      const activity = new TimedActivity(
        ['a', 'a', 'b', 'c'].map((itemId, i) => ({ itemId, at: now - (i + 1) * 5 * 86_400_000 + i * 7 * HOUR })),
      );
      const out = new Float32Array(candidates.length * FEATURE_COUNT);
      writeFeatures({ history, now }, candidates, new Map(candidates.map((c) => [c.itemId, activity.activityAt(c.itemId, now)])), out);
      return Array.from(out);
    };
    const reference = features(0);
    for (const hours of [-23, -17, -6, -1, 1, 5, 7, 12, 25, 24 * 100 + 3]) expect(features(hours * HOUR + 15 * 60_000)).toEqual(reference);
  });
});

describe('category_affinity', () => {
  it('is the cosine of the whole history’s token profile with the candidate’s tokens', () => {
    const content = new Map([
      ['h1', ['category:books']],
      ['h2', ['category:books', 'price:3']],
      ['h3', ['category:toys']],
      ['books', ['category:books', 'price:3']],
      ['garden', ['category:garden']],
    ]);
    const history = ['h1', 'h2', 'h3'].map((itemId, at) => ({ itemId, at }));
    const candidates = mergeCandidates(
      { lists: { popular: ['books', 'garden', 'unknown'].map((itemId) => ({ itemId, score: 1 })) } },
      new Set(),
    );
    const out = new Float32Array(3 * FEATURE_COUNT);
    writeFeatures({ history, now: 10, contentOf: (id) => content.get(id) }, candidates, new Map(), out);
    const column = FEATURE_NAMES.indexOf('category_affinity');
    const [books, garden, unknown] = [0, 1, 2].map((r) => out[r * FEATURE_COUNT + column]);
    expect(books).toBeGreaterThan(0.5);
    expect(garden).toBe(0);
    expect(unknown).toBe(0);
  });
});

describe('recentWeighted', () => {
  it('takes the newest distinct items with decaying weights', () => {
    const history = ['a', 'b', 'a', 'c'].map((itemId, at) => ({ itemId, at }));
    expect(recentWeighted(history, { items: 2, decay: 0.5 })).toEqual([
      { itemId: 'c', weight: 1 },
      { itemId: 'a', weight: 0.5 },
    ]);
  });
});
