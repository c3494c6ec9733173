/**
 * A stable hash for bucketing by key (a user id): the same key lands in the same bucket in every
 * process, replica and restart, so one user keeps one model version (inference traffic split) or
 * one recommendation pipeline (the recommendations A/B) while a split holds.
 */

/** FNV-1a 32-bit: stable across processes and restarts, cheap, good enough spread for bucketing. */
export function stableHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
