import { hitAndNdcg, meanOf, rankOf } from './metrics';
import { leaveLatestOut } from './split';

describe('ranking metrics on hand-made data', () => {
  it('rank counts only candidates scored above the target; ties go to the lower index', () => {
    const scores = [0.9, 0.1, 0.5, 0.7, 0.5];
    expect(rankOf(scores, 2, () => false)).toBe(2); // 0.9, 0.7 above
    expect(rankOf(scores, 4, () => false)).toBe(3); // 0.9, 0.7 and the tie at index 2
    expect(rankOf(scores, 2, (i) => i === 0)).toBe(1); // item 0 was seen: not a candidate
  });

  it('HR@10 and NDCG@10 of single users', () => {
    expect(hitAndNdcg(0)).toEqual({ hr10: 1, ndcg10: 1 });
    expect(hitAndNdcg(1).ndcg10).toBeCloseTo(1 / Math.log2(3));
    expect(hitAndNdcg(9).hr10).toBe(1);
    expect(hitAndNdcg(10)).toEqual({ hr10: 0, ndcg10: 0 });
    expect(hitAndNdcg(-1)).toEqual({ hr10: 0, ndcg10: 0 });
  });

  it('averages over users', () => {
    const mean = meanOf([hitAndNdcg(0), hitAndNdcg(20), hitAndNdcg(1), hitAndNdcg(50)]);
    expect(mean.hr10).toBe(0.5);
    expect(mean.ndcg10).toBeCloseTo((1 + 1 / Math.log2(3)) / 4);
  });
});

describe('leaveLatestOut', () => {
  const at = (userId: string, itemId: string, timestamp: number) => ({ userId, itemId, timestamp, weight: 1 });

  it('holds out each user’s latest interaction; timestamp ties go to the one later in the input, whatever its id', () => {
    const { train, test, heldOut } = leaveLatestOut([
      at('a', 'i-1', 1),
      at('a', 'i-9', 3),
      at('a', 'i-2', 2),
      at('b', 'i-9', 5),
      at('b', 'i-10', 5),
      at('b', 'i-1', 1),
      at('d', 'i-10', 7),
      at('d', 'i-2', 7), // later in the file: held out although "i-10" sorts after it by id
      at('c', 'i-1', 1), // a single interaction: nothing to hold out
    ]);
    expect(test).toEqual(
      new Map([
        ['a', 'i-9'],
        ['b', 'i-10'],
        ['d', 'i-2'],
      ]),
    );
    expect(heldOut.get('d')).toEqual(at('d', 'i-2', 7));
    expect(train).toHaveLength(6);
    expect(train.filter((i) => i.userId === 'd').map((i) => i.itemId)).toEqual(['i-10']);
    expect(train.some((i) => i.userId === 'c')).toBe(true);
  });

  it('does not depend on item ids: renaming the tied items keeps the same held-out position', () => {
    const rows = [at('u', 'x', 1), at('u', 'b', 2), at('u', 'a', 2)];
    const renamed = rows.map((r, i) => ({ ...r, itemId: ['x', 'z', 'y'][i] }));
    expect(leaveLatestOut(rows).test.get('u')).toBe('a');
    expect(leaveLatestOut(renamed).test.get('u')).toBe('y');
  });
});
