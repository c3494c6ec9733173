/**
 * Canary / A-B routing: an unpinned request goes to a version chosen by a stable hash of its
 * routing key (the user id), so one user keeps seeing one version while the split holds.
 */
import { stableHash } from '../../platform/stable-hash';

/**
 * Picks the version for an unpinned request among the loaded versions.
 * Without a split (or without a key) the newest loaded version serves. Versions named in the split
 * but not loaded are skipped, so a split never routes to a version that cannot answer.
 */
export function pickVersion(loaded: number[], split: Record<string, number> | undefined, routingKey: string | undefined): number {
  if (loaded.length === 0) throw new Error('no loaded version');
  const newest = Math.max(...loaded);
  if (!split) return newest;
  const weighted = Object.entries(split)
    .map(([version, weight]) => ({ version: Number(version), weight }))
    .filter((w) => w.weight > 0 && loaded.includes(w.version))
    .sort((a, b) => a.version - b.version);
  const total = weighted.reduce((sum, w) => sum + w.weight, 0);
  if (total === 0) return newest;
  // Without a key, spread requests evenly anyway; with one, the same key always lands in the same bucket.
  const bucket = ((routingKey === undefined ? Math.random() * 2 ** 32 : stableHash(routingKey)) % 10_000) / 10_000;
  let cumulative = 0;
  for (const w of weighted) {
    cumulative += w.weight / total;
    if (bucket < cumulative) return w.version;
  }
  return weighted[weighted.length - 1].version;
}
