/**
 * Item activity as of a moment: how often each item was taken in total, in the last week and
 * month, and when first — the popularity, trending and recency signals. Training and evaluation
 * compute it from time-stamped interactions with `TimedActivity` (only what happened strictly before
 * `now` counts, so a label never sees itself or the future); serving reads it from the database.
 */

export const DAY_MS = 24 * 60 * 60_000;
const WEEK_MS = 7 * DAY_MS;
const MONTH_MS = 30 * DAY_MS;

export interface ItemActivity {
  total: number;
  lastWeek: number;
  lastMonth: number;
  /** First interaction (ms since the epoch); null when the item was never taken before `now`. */
  firstAt: number | null;
}

export const NO_ACTIVITY: ItemActivity = { total: 0, lastWeek: 0, lastMonth: 0, firstAt: null };

export interface ScoredItem {
  itemId: string;
  score: number;
}

export interface ActivitySource {
  /** Activity of each item as of `now`. */
  activityOf(itemIds: readonly string[], now: number): Promise<Map<string, ItemActivity>>;
  /** Most taken items in the last week before `now`, best first. */
  trending(now: number, k: number): Promise<ScoredItem[]>;
  /** Most taken items overall before `now`, best first. */
  popular(now: number, k: number): Promise<ScoredItem[]>;
}

/** Activity from time-stamped events held in memory (training, evaluation, tests). */
export class TimedActivity implements ActivitySource {
  private readonly times = new Map<string, Float64Array>();
  /** All events in time order, for the window counts of `trending`. */
  private readonly events: { itemId: string; at: number }[];
  /** Ranked lists are computed per hour (floored, so never later than `now`). */
  private readonly lists = new Map<string, ScoredItem[]>();

  constructor(events: readonly { itemId: string; at: number }[]) {
    const byItem = new Map<string, number[]>();
    for (const { itemId, at } of events) {
      let list = byItem.get(itemId);
      if (!list) byItem.set(itemId, (list = []));
      list.push(at);
    }
    for (const [itemId, list] of byItem) this.times.set(itemId, Float64Array.from(list).sort());
    this.events = [...events].sort((a, b) => a.at - b.at);
  }

  activityOf(itemIds: readonly string[], now: number): Promise<Map<string, ItemActivity>> {
    return Promise.resolve(new Map(itemIds.map((id) => [id, this.activityAt(id, now)])));
  }

  activityAt(itemId: string, now: number): ItemActivity {
    const times = this.times.get(itemId);
    if (!times) return NO_ACTIVITY;
    const total = countBefore(times, now);
    if (total === 0) return NO_ACTIVITY;
    return {
      total,
      lastWeek: total - countBefore(times, now - WEEK_MS),
      lastMonth: total - countBefore(times, now - MONTH_MS),
      firstAt: times[0],
    };
  }

  trending(now: number, k: number): Promise<ScoredItem[]> {
    return Promise.resolve(this.trendingAt(now, k));
  }

  popular(now: number, k: number): Promise<ScoredItem[]> {
    return Promise.resolve(this.popularAt(now, k));
  }

  trendingAt(now: number, k: number): ScoredItem[] {
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    return this.ranked(`t${hour}`, k, () => {
      const counts = new Map<string, number>();
      const from = lowerBound(this.events, hour - WEEK_MS);
      for (let p = from; p < this.events.length && this.events[p].at < hour; p++) {
        const id = this.events[p].itemId;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    });
  }

  popularAt(now: number, k: number): ScoredItem[] {
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    return this.ranked(`p${hour}`, k, () => {
      const counts = new Map<string, number>();
      for (const [id, times] of this.times) {
        const n = countBefore(times, hour);
        if (n > 0) counts.set(id, n);
      }
      return counts;
    });
  }

  private ranked(key: string, k: number, count: () => Map<string, number>): ScoredItem[] {
    let list = this.lists.get(key);
    if (!list || list.length < k) {
      list = [...count()]
        .map(([itemId, score]) => ({ itemId, score }))
        .sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1))
        .slice(0, Math.max(k, 100));
      this.lists.set(key, list);
    }
    return list.slice(0, k);
  }
}

/** Number of sorted times strictly before `t`. */
function countBefore(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBound(events: { at: number }[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid].at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
