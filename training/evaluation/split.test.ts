import { leaveLatestOut, leaveLatestOutAt, timestampQuantile } from './split';

const at = (userId: string, itemId: string, timestamp: number) => ({ userId, itemId, timestamp, weight: 1 });

describe('time-shifted leave-latest-out', () => {
  const rows = [
    at('a', 'i-1', 1),
    at('a', 'i-2', 4),
    at('a', 'i-3', 6), // after the cutoff 5: neither trains nor is tested
    at('b', 'i-2', 5),
    at('b', 'i-4', 5), // a tie at the cutoff: later in the file, so held out
    at('b', 'i-1', 2),
    at('c', 'i-3', 7), // c exists only after the cutoff
    at('c', 'i-4', 8),
  ];

  it('holds out each user’s last interaction at or before the cutoff and trains on the rest before it', () => {
    const { train, test, heldOut, visible } = leaveLatestOutAt(rows, 5);
    expect(test).toEqual(
      new Map([
        ['a', 'i-2'],
        ['b', 'i-4'],
      ]),
    );
    expect(heldOut.get('b')).toEqual(at('b', 'i-4', 5));
    expect(train).toEqual([at('a', 'i-1', 1), at('b', 'i-2', 5), at('b', 'i-1', 2)]);
    expect(visible.every((it) => it.timestamp <= 5)).toBe(true);
  });

  it('at the latest timestamp it is exactly leave-latest-out of everything', () => {
    const cutoff = timestampQuantile(rows, 1);
    expect(cutoff).toBe(8);
    const { visible, ...split } = leaveLatestOutAt(rows, cutoff);
    expect(split).toEqual(leaveLatestOut(rows));
    expect(visible).toEqual(rows);
  });

  it('quantiles are the lower nearest rank of the sorted times', () => {
    const times = [10, 0, 30, 20, 40].map((t) => at('u', 'x', t));
    expect(timestampQuantile(times, 0)).toBe(0);
    expect(timestampQuantile(times, 0.5)).toBe(20);
    expect(timestampQuantile(times, 0.8)).toBe(30); // floor(0.8 · 4) = 3
    expect(() => timestampQuantile([], 0.5)).toThrow();
  });
});
