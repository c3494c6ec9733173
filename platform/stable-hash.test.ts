import { stableHash } from './stable-hash';

describe('stableHash', () => {
  it('is stable and tells keys apart', () => {
    expect(stableHash('user-0001')).toBe(stableHash('user-0001'));
    expect(stableHash('a')).not.toBe(stableHash('b'));
  });

  it('is FNV-1a 32-bit, so every process and replica buckets a key alike', () => {
    // Published FNV-1a test vectors: changing the function would move every user to another bucket.
    expect(stableHash('')).toBe(0x811c9dc5);
    expect(stableHash('a')).toBe(0xe40c292c);
    expect(stableHash('foobar')).toBe(0xbf9cf968);
  });
});
