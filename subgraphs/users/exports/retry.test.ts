import { afterFailedRound } from './retry';

const config = { initialDelayMs: 1_000, maxDelayMs: 8_000, retryWindowMs: 60_000 };
const requestedAtMs = Date.parse('2026-12-08T10:00:00Z');
const at = (offsetMs: number) => new Date(requestedAtMs + offsetMs);
// 0.5 is the middle of the jitter: the delay is the schedule's own.
const middle = () => 0.5;

describe('after a round with parts missing', () => {
  it('tries again after a delay that doubles from the initial one up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((rounds) => {
      const next = afterFailedRound(rounds, requestedAtMs, at(0), config, middle);
      return next.kind === 'retry' ? next.at.getTime() - requestedAtMs : 'fail';
    });
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('spreads retries by at most 20% either way', () => {
    for (const random of [() => 0, () => 0.999999]) {
      const next = afterFailedRound(3, requestedAtMs, at(0), config, random);
      expect(next.kind).toBe('retry');
      const delay = (next as { at: Date }).at.getTime() - requestedAtMs;
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_800);
    }
  });

  it('fails once the next round would start after the retry window', () => {
    expect(afterFailedRound(10, requestedAtMs, at(52_000), config, middle)).toEqual({ kind: 'retry', at: at(60_000) });
    expect(afterFailedRound(10, requestedAtMs, at(52_001), config, middle)).toEqual({ kind: 'fail' });
  });
});
