import { pickVersion } from './traffic-split';
import { servedVersions } from './version-policy';

describe('traffic split', () => {
  it('the same routing key always gets the same version', () => {
    const split = { '1': 50, '2': 50 };
    for (let u = 0; u < 100; u++) {
      const key = `user-${u}`;
      expect(pickVersion([1, 2], split, key)).toBe(pickVersion([1, 2], split, key));
    }
  });

  it('splits keys close to the configured weights', () => {
    const counts = { 1: 0, 2: 0 } as Record<number, number>;
    for (let u = 0; u < 10_000; u++) counts[pickVersion([1, 2], { '1': 90, '2': 10 }, `user-${u}`)]++;
    expect(counts[2] / 10_000).toBeGreaterThan(0.08);
    expect(counts[2] / 10_000).toBeLessThan(0.12);
  });

  it('never routes to a version that is not loaded; newest serves without a split', () => {
    expect(pickVersion([1], { '1': 10, '2': 90 }, 'user-1')).toBe(1);
    expect(pickVersion([1, 3, 2], undefined, 'user-1')).toBe(3);
  });
});

describe('version policy', () => {
  it('follows Triton: latest n, specific, all; default latest 1', () => {
    expect(servedVersions(undefined, [1, 3, 2])).toEqual([3]);
    expect(servedVersions({ latest: { num_versions: 2 } }, [1, 3, 2])).toEqual([2, 3]);
    expect(servedVersions({ specific: { versions: [1, 7] } }, [1, 2])).toEqual([1]);
    expect(servedVersions({ all: {} }, [2, 1])).toEqual([1, 2]);
  });
});
