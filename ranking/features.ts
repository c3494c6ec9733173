/**
 * The ranker's feature vector, defined once for training (training/) and serving
 * (subgraphs/recommendations/pipelines/two-stage): the same function turns a history, the merged recall and
 * item activity into the same numbers on both sides. Everything here is computed from what the
 * caller passes as "before now": training passes the history before the label and activity as of
 * the label's time, so no example can see its label or anything after it.
 */
import { DAY_MS, type ItemActivity, NO_ACTIVITY } from './activity';
import type { MergedCandidate, RecallSource } from './candidates';
import type { HistoryEvent } from './history';

/**
 * Every feature is relative to `now` (ages, windows, gaps), none reads the time of day: shifting a
 * history and its moment by any amount gives the same rows. Hour of day (sin, cos of the UTC hour)
 * was a feature until issue 20 and was dropped: it is a per-query constant, so a listwise ranker
 * can use it only through interactions, where on small data it fits noise: a planted "A then B"
 * came out B first at 22 hours of the day and not at 05:15 or 23:15 UTC, and on MovieLens it
 * bought nothing (docs/recommendations.md, "Model quality"). Nor is the UTC hour the shopper's local hour: the
 * platform knows no time zones.
 */
export const FEATURE_NAMES = [
  'successor_score',
  'successor_rank',
  'successor_probability',
  'neighbour_score',
  'neighbour_rank',
  'taste_score',
  'taste_rank',
  'content_score',
  'content_rank',
  'category_affinity',
  'trending_rank',
  'popularity',
  'popularity_week',
  'popularity_month',
  'item_age_days',
  'item_unseen',
  'history_length',
  'hours_since_last',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

export interface FeatureContext {
  /** The user's history before `now`, oldest first. */
  history: readonly HistoryEvent[];
  /** Milliseconds since the epoch: the moment of the recommendation (or of the label in training). */
  now: number;
  /** Item facts: content tokens per item (category, price band; genres), the same the content model uses. */
  contentOf?: (itemId: string) => readonly string[] | undefined;
}

/**
 * Long-term category affinity: the cosine between the token profile of the whole history (each
 * distinct item's tokens, 1/√n each) and the candidate's tokens — how much of what the user ever
 * took looks like this item, where content_score looks at the last few items only.
 */
export function tokenProfile(
  history: readonly HistoryEvent[],
  contentOf: (itemId: string) => readonly string[] | undefined,
): { weights: Map<string, number>; norm: number } {
  const weights = new Map<string, number>();
  const seen = new Set<string>();
  for (const { itemId } of history) {
    if (seen.has(itemId)) continue;
    seen.add(itemId);
    const tokens = contentOf(itemId) ?? [];
    for (const token of tokens) weights.set(token, (weights.get(token) ?? 0) + 1 / Math.sqrt(tokens.length));
  }
  let norm = 0;
  for (const w of weights.values()) norm += w * w;
  return { weights, norm: Math.sqrt(norm) };
}

function affinity(profile: { weights: Map<string, number>; norm: number }, tokens: readonly string[] | undefined): number {
  if (!tokens || tokens.length === 0 || profile.norm === 0) return 0;
  let dot = 0;
  for (const token of tokens) dot += profile.weights.get(token) ?? 0;
  return dot / (profile.norm * Math.sqrt(tokens.length));
}

/** Writes one row per candidate into `out` (row-major, FEATURE_COUNT columns) starting at `row`. */
export function writeFeatures(
  context: FeatureContext,
  candidates: readonly MergedCandidate[],
  activity: ReadonlyMap<string, ItemActivity>,
  out: Float32Array,
  row = 0,
): void {
  const { history, now } = context;
  const last = history.length > 0 ? history[history.length - 1].at : now;
  const historyLength = Math.log1p(history.length);
  const hoursSinceLast = Math.log1p(Math.max(0, now - last) / 3_600_000);
  const contentOf = context.contentOf ?? (() => undefined);
  const profile = tokenProfile(history, contentOf);
  // Written in place, column by column in FEATURE_NAMES order: a 200-user operation ranks ~50,000
  // candidates, and an array per row was most of this loop's garbage.
  let at = row * FEATURE_COUNT;
  for (const candidate of candidates) {
    const a = activity.get(candidate.itemId) ?? NO_ACTIVITY;
    out[at++] = Math.log1p(score(candidate, 'successors'));
    out[at++] = reciprocalRank(candidate, 'successors');
    out[at++] = Math.log1p(100 * candidate.successorProbability);
    out[at++] = Math.log1p(score(candidate, 'neighbours'));
    out[at++] = reciprocalRank(candidate, 'neighbours');
    out[at++] = candidate.sources.taste?.score ?? 0;
    out[at++] = reciprocalRank(candidate, 'taste');
    out[at++] = score(candidate, 'content');
    out[at++] = reciprocalRank(candidate, 'content');
    out[at++] = affinity(profile, contentOf(candidate.itemId));
    out[at++] = reciprocalRank(candidate, 'trending');
    out[at++] = Math.log1p(a.total);
    out[at++] = Math.log1p(a.lastWeek);
    out[at++] = Math.log1p(a.lastMonth);
    out[at++] = a.firstAt === null ? 0 : Math.log1p(Math.max(0, now - a.firstAt) / DAY_MS);
    out[at++] = a.firstAt === null ? 1 : 0;
    out[at++] = historyLength;
    out[at++] = hoursSinceLast;
  }
}

function score(candidate: MergedCandidate, source: RecallSource): number {
  return Math.max(0, candidate.sources[source]?.score ?? 0);
}

/** 1/(1+rank) in the source's list; 0 when the source did not propose the item. */
function reciprocalRank(candidate: MergedCandidate, source: RecallSource): number {
  const evidence = candidate.sources[source];
  return evidence ? 1 / (1 + evidence.rank) : 0;
}
