/**
 * A user's ordered history as both training and serving see it, and the recency weights the recall
 * models are queried with. Times are milliseconds since the epoch.
 */

export interface HistoryEvent {
  itemId: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/** How the recent items of a history weigh in each sequence-based recall query. */
export interface RecencyProfile {
  /** Most recent items considered. */
  items: number;
  /** Weight of the r-th most recent item is decay^r. */
  decay: number;
}

/** Successors of the last few items: where the sequence is going next (first-order, decayed). */
export const SUCCESSOR_RECENCY: RecencyProfile = { items: 5, decay: 0.7 };
/** Items that appear near the recent ones in other users' sequences: the wider neighbourhood. */
export const NEIGHBOUR_RECENCY: RecencyProfile = { items: 20, decay: 0.9 };
/** Content profile of the session: the last items, equally weighted. */
export const CONTENT_RECENCY: RecencyProfile = { items: 10, decay: 1 };

/** Items and weights of the most recent distinct items, newest first. */
export function recentWeighted(history: readonly HistoryEvent[], profile: RecencyProfile): { itemId: string; weight: number }[] {
  const result: { itemId: string; weight: number }[] = [];
  const seen = new Set<string>();
  for (let p = history.length - 1; p >= 0 && result.length < profile.items; p--) {
    const { itemId } = history[p];
    if (seen.has(itemId)) continue;
    seen.add(itemId);
    result.push({ itemId, weight: profile.decay ** result.length });
  }
  return result;
}

/** Sorts events by time, keeping the given order for equal times (Array.prototype.sort is stable). */
export function inTimeOrder<T extends { at: number }>(events: readonly T[]): T[] {
  return [...events].sort((a, b) => a.at - b.at);
}
