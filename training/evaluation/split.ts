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
