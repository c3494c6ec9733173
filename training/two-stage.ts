/**
 * Training the two-stage pipeline without leakage:
 *
 * 1. Each user's history is put in time order (ties keep the input order).
 * 2. The recall models (ALS, transitions, co-occurrence) are trained on the histories minus each
 *    user's last `heldBack` items.
 * 3. Every held-back position becomes a ranker query: the history before it, recall exactly as the
 *    served pipeline asks for it (ranking/ defines the recency profiles, depths, merging and
 *    features), item activity strictly before the label's time; the label is the item taken there.
 * 4. The ranker is fitted on those queries; the recall models are then retrained on the full
 *    histories for serving.
 */
import { TimedActivity, type ScoredItem } from '../ranking/activity';
import { mergeCandidates, RECALL_DEPTH, type RecallHit, type RecallLists } from '../ranking/candidates';
import { FEATURE_COUNT, writeFeatures } from '../ranking/features';
import {
  CONTENT_RECENCY,
  NEIGHBOUR_RECENCY,
  recentWeighted,
  SUCCESSOR_RECENCY,
  type HistoryEvent,
  type RecencyProfile,
} from '../ranking/history';
import { trainAls, type AlsModel, type AlsOptions } from './als';
import { buildInteractionMatrix, type Interaction } from './interactions';
import { trainRanker, type RankerModel, type RankerOptions, type RankerQuery } from './ranker';
import { seededRandom } from './rng';
import {
  contentModel,
  contentRecall,
  sparseRecall,
  trainCoOccurrence,
  trainTransitions,
  type ContentModel,
  type ScoredIndex,
  type SparseNeighbours,
} from './sequence-models';

export interface TwoStageOptions {
  /** Last items of each user's history held back from the recall models to make ranker queries. */
  heldBack: number;
  /** At most this many ranker queries (a seeded sample), to bound training time. */
  maxQueries: number;
  ranker: Partial<RankerOptions>;
}

export const EVALUATED_TWO_STAGE: TwoStageOptions = { heldBack: 6, maxQueries: 20_000, ranker: { epochs: 15, hidden: 16 } };
/** `npm start` trains at platform start-up on seeded data: fewer queries and epochs. */
export const EMBEDDED_TWO_STAGE: TwoStageOptions = { heldBack: 2, maxQueries: 600, ranker: { epochs: 3, hidden: 16 } };

export interface RecallModels {
  transitions: SparseNeighbours;
  coOccurrence: SparseNeighbours;
  content: ContentModel;
}

export interface TwoStageModels extends RecallModels {
  ranker: RankerModel;
  queries: number;
  /** Content tokens per item id, published with content_similar for the ranker's category_affinity. */
  itemContent: ReadonlyMap<string, readonly string[]>;
}

/** Each user's item indices with times, oldest first; ties keep the order of `interactions`. */
export function userSequences(
  interactions: readonly Interaction[],
  items: readonly string[],
): Map<string, { index: number; at: number }[]> {
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const sequences = new Map<string, { index: number; at: number }[]>();
  for (const it of interactions) {
    const index = itemIndex.get(it.itemId);
    if (index === undefined) continue;
    let sequence = sequences.get(it.userId);
    if (!sequence) sequences.set(it.userId, (sequence = []));
    sequence.push({ index, at: it.timestamp });
  }
  for (const sequence of sequences.values()) sequence.sort((a, b) => a.at - b.at);
  return sequences;
}

export function trainRecallModels(
  sequences: Iterable<{ index: number }[]>,
  items: readonly string[],
  content: ReadonlyMap<string, readonly string[]>,
): RecallModels {
  const indexSequences = [...sequences].map((s) => s.map((e) => e.index));
  return {
    transitions: trainTransitions(indexSequences, items.length),
    coOccurrence: trainCoOccurrence(indexSequences, items.length),
    content: contentModel(items, content),
  };
}

export function trainTwoStage(
  interactions: readonly Interaction[],
  ids: { users: string[]; items: string[] },
  content: ReadonlyMap<string, readonly string[]>,
  als: Partial<AlsOptions>,
  options: TwoStageOptions,
): TwoStageModels {
  const { items } = ids;
  const sequences = userSequences(interactions, items);
  const cut = (sequence: { index: number; at: number }[]) => Math.max(1, sequence.length - options.heldBack);
  // Recall models on the histories minus the held-back items.
  const early = new Map([...sequences].map(([user, s]) => [user, s.slice(0, cut(s))]));
  const recall = trainRecallModels(early.values(), items, content);
  const earlyInteractions = [...early].flatMap(([userId, s]) =>
    s.map((e) => ({ userId, itemId: items[e.index], timestamp: e.at, weight: 1 })),
  );
  const taste = trainAls(buildInteractionMatrix(earlyInteractions, { userIds: ids.users, itemIds: items }), als);
  const userRow = new Map(ids.users.map((u, i) => [u, i]));
  const activity = new TimedActivity(interactions.map((it) => ({ itemId: it.itemId, at: it.timestamp })));

  let positions: { user: string; position: number }[] = [];
  for (const [user, s] of sequences) for (let p = cut(s); p < s.length; p++) positions.push({ user, position: p });
  if (positions.length > options.maxQueries) {
    const random = seededRandom(options.ranker.seed ?? 42);
    positions = positions
      .map((entry) => ({ entry, key: random() }))
      .sort((a, b) => a.key - b.key)
      .slice(0, options.maxQueries)
      .map(({ entry }) => entry);
  }
  const queries: RankerQuery[] = [];
  for (const { user, position } of positions) {
    const query = rankerQuery({ recall, content, taste, userRow: userRow.get(user), items, activity }, sequences.get(user)!, position);
    if (query) queries.push(query);
  }
  if (queries.length === 0) throw new Error('no ranker training queries: histories too short or recall found nothing');
  const ranker = trainRanker(queries, FEATURE_COUNT, options.ranker);
  // Serving models on the full histories.
  return { ...trainRecallModels(sequences.values(), items, content), ranker, queries: queries.length, itemContent: content };
}

export interface QueryModels {
  recall: RecallModels;
  /** Content tokens per item id (the item facts behind category_affinity). */
  content?: ReadonlyMap<string, readonly string[]>;
  taste: AlsModel | undefined;
  userRow: number | undefined;
  items: readonly string[];
  activity: TimedActivity;
}

/**
 * The ranker query for the item at `position` of a user's sequence: features from the history
 * before it and activity strictly before its time. Undefined when the label cannot be learned
 * from (a repeat, or recall missed it).
 */
export function rankerQuery(
  models: QueryModels,
  sequence: readonly { index: number; at: number }[],
  position: number,
): (RankerQuery & { candidates: string[] }) | undefined {
  const { items, activity } = models;
  const label = sequence[position];
  const before = sequence.slice(0, position);
  const history = before.map((e) => ({ itemId: items[e.index], at: e.at }));
  const exclude = new Set(before.map((e) => e.index));
  if (exclude.has(label.index)) return undefined; // a repeat is never a candidate: nothing to learn
  const lists = recallInJs(models.recall, models.taste, models.userRow, history, exclude, items, activity, label.at);
  const candidates = mergeCandidates(lists, new Set(history.map((e) => e.itemId)));
  const labelRow = candidates.findIndex((c) => c.itemId === items[label.index]);
  if (labelRow < 0) return undefined; // recall missed it: the ranker cannot learn from this query
  const features = new Float32Array(candidates.length * FEATURE_COUNT);
  const itemActivity = new Map(candidates.map((c) => [c.itemId, activity.activityAt(c.itemId, label.at)]));
  const content = models.content;
  writeFeatures({ history, now: label.at, contentOf: content && ((id) => content.get(id)) }, candidates, itemActivity, features);
  return { features, rows: candidates.length, label: labelRow, candidates: candidates.map((c) => c.itemId) };
}

/** Recall as the served pipeline asks the models for it, answered by the JS references. */
export function recallInJs(
  recall: RecallModels,
  taste: AlsModel | undefined,
  userRow: number | undefined,
  history: readonly HistoryEvent[],
  exclude: ReadonlySet<number>,
  items: readonly string[],
  activity: TimedActivity,
  now: number,
): RecallLists {
  const itemIndex = (id: string) => indexOf(items).get(id)!;
  const recent = (profile: RecencyProfile) =>
    recentWeighted(history, profile).map(({ itemId, weight }) => ({ index: itemIndex(itemId), weight }));
  const hits = (scored: ScoredIndex[]): RecallHit[] => scored.map((s) => ({ itemId: items[s.index], score: s.score }));
  const successors = sparseRecall(recall.transitions, recent(SUCCESSOR_RECENCY), exclude, RECALL_DEPTH.successors);
  const seenIds = new Set(history.map((e) => e.itemId));
  const unseen = (list: ScoredItem[], k: number): RecallHit[] => list.filter((e) => !seenIds.has(e.itemId)).slice(0, k);
  return {
    lists: {
      successors: hits(successors),
      neighbours: hits(sparseRecall(recall.coOccurrence, recent(NEIGHBOUR_RECENCY), exclude, RECALL_DEPTH.neighbours)),
      taste: taste && userRow !== undefined ? hits(alsTopK(taste, userRow, exclude, RECALL_DEPTH.taste)) : [],
      content: hits(contentRecall(recall.content, recent(CONTENT_RECENCY), exclude, RECALL_DEPTH.content)),
      trending: unseen(activity.trendingAt(now, RECALL_DEPTH.trending + seenIds.size), RECALL_DEPTH.trending),
      popular: unseen(activity.popularAt(now, RECALL_DEPTH.popular + seenIds.size), RECALL_DEPTH.popular),
    },
    successorProbability: new Map(successors.map((s) => [items[s.index], s.normalized])),
  };
}

function alsTopK(model: AlsModel, user: number, exclude: ReadonlySet<number>, k: number): ScoredIndex[] {
  const f = model.factors;
  const n = model.itemFactors.length / f;
  const scored: ScoredIndex[] = [];
  for (let i = 0; i < n; i++) {
    if (exclude.has(i)) continue;
    let s = 0;
    for (let j = 0; j < f; j++) s += model.userFactors[user * f + j] * model.itemFactors[i * f + j];
    scored.push({ index: i, score: s, normalized: 0 });
  }
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

const indexMaps = new WeakMap<readonly string[], Map<string, number>>();
function indexOf(items: readonly string[]): Map<string, number> {
  let map = indexMaps.get(items);
  if (!map) indexMaps.set(items, (map = new Map(items.map((id, i) => [id, i]))));
  return map;
}
