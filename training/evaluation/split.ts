/**
 * Leave-latest-out: each user's history is put in time order — ties on the timestamp (common:
 * MovieLens users rate many films in the same second) keep the order of the input, i.e. u.data's
 * file order, which is random, so no tie-break can favour an item by its id — and the last
 * interaction is held out for testing; the rest train. Users with a single interaction stay in
 * training only (nothing left to learn from). Candidates are then every item the user has not
 * interacted with in training (full ranking).
 */
import type { Interaction } from '../interactions';

export interface LeaveLatestOutSplit {
  train: Interaction[];
  /** userId → held-out itemId. */
  test: Map<string, string>;
  /** userId → the held-out interaction (its time is the moment the recommendation is made for). */
  heldOut: Map<string, Interaction>;
}

export function leaveLatestOut(interactions: Interaction[]): LeaveLatestOutSplit {
  const latest = new Map<string, number>();
  const count = new Map<string, number>();
  interactions.forEach((it, index) => {
    count.set(it.userId, (count.get(it.userId) ?? 0) + 1);
    const best = latest.get(it.userId);
    // `>=`: an equal time later in the input is later in the user's sequence.
    if (best === undefined || it.timestamp >= interactions[best].timestamp) latest.set(it.userId, index);
  });
  const heldOutIndex = new Set<number>();
  const test = new Map<string, string>();
  const heldOut = new Map<string, Interaction>();
  for (const [user, index] of latest) {
    if ((count.get(user) ?? 0) < 2) continue;
    heldOutIndex.add(index);
    test.set(user, interactions[index].itemId);
    heldOut.set(user, interactions[index]);
  }
  return { train: interactions.filter((_, index) => !heldOutIndex.has(index)), test, heldOut };
}

/**
 * A time-shifted leave-latest-out cut: only what happened at or before `cutoff` exists — each
 * user's last interaction at or before it is held out, everything else at or before it trains —
 * so nothing after the cutoff (the "future" of that moment) reaches training, test users or the
 * catalogue. "At or before", not "before": with the cutoff at the last timestamp the cut is exactly
 * `leaveLatestOut` of the whole data.
 */
export function leaveLatestOutAt(interactions: Interaction[], cutoff: number): LeaveLatestOutSplit & { visible: Interaction[] } {
  // filter keeps the input order, which is what breaks timestamp ties.
  const visible = interactions.filter((it) => it.timestamp <= cutoff);
  return { ...leaveLatestOut(visible), visible };
}

/** The timestamp at quantile `q` (0..1) of all interactions' times: the lower nearest rank, so q = 1 is the latest. */
export function timestampQuantile(interactions: readonly Interaction[], q: number): number {
  if (interactions.length === 0 || q < 0 || q > 1) throw new Error(`timestampQuantile: no interactions or q ${q} outside 0..1`);
  const times = Float64Array.from(interactions, (it) => it.timestamp).sort();
  return times[Math.floor(q * (times.length - 1))];
}
