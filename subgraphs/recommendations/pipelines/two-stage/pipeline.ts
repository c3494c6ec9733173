/**
 * The two-stage pipeline, pure over the model client and an activity source (no database): for a
 * batch of users — their ordered histories, what they must not get, and the moment — it asks every
 * recall model once (one request per model for the whole batch), merges the candidates, computes
 * the ranker's features with ranking/features.ts (the same code training used) and scores every
 * candidate of every user in one ranker request. `npm run eval` runs this same class over HTTP.
 */
import type { ActivitySource, ItemActivity, ScoredItem } from '../../../../ranking/activity';
import {
  mergeCandidates,
  RECALL_DEPTH,
  strongestSource,
  type RecallHit,
  type RecallLists,
  type RecallSource,
} from '../../../../ranking/candidates';
import { FEATURE_COUNT, writeFeatures } from '../../../../ranking/features';
import {
  CONTENT_RECENCY,
  NEIGHBOUR_RECENCY,
  recentWeighted,
  SUCCESSOR_RECENCY,
  type HistoryEvent,
  type RecencyProfile,
} from '../../../../ranking/history';
import { TWO_STAGE_MODELS } from '../../../../platform/model-contract';
import { InferenceUnavailable } from '../../transport/inference-client';
import { MAX_RECALL_EXCLUDED, type ModelAnswer, type Ranked, type RecommendationModels } from '../../transport/model-client';

export interface TwoStageQuery {
  userId: string;
  /** What the user did, oldest first (purchases, views, cart additions; ratings in MovieLens). */
  history: readonly HistoryEvent[];
  exclude: ReadonlySet<string>;
  /** Milliseconds since the epoch: the moment the recommendation is for. */
  now: number;
}

export interface RankedCandidate {
  productId: string;
  score: number;
  /** The recall source that proposed it most strongly (for the recommendation's reason). */
  source: RecallSource | undefined;
}

export interface TwoStageAnswer {
  /** The ranker version that ordered the lists. */
  version: string;
  lists: RankedCandidate[][];
}

/** The repository has no two-stage models (published before the pipeline existed): serve one-stage. */
export class TwoStageModelsMissing extends Error {
  constructor(readonly model: string) {
    super(`two-stage model ${model} is not in the model repository`);
  }
}

export interface TwoStageOptions {
  /** Candidates kept per user after ranking (business rules need some to spare). */
  keep: number;
}

export class TwoStagePipeline {
  constructor(
    private readonly models: RecommendationModels,
    private readonly activity: ActivitySource,
    private readonly options: TwoStageOptions = { keep: 100 },
  ) {}

  async rank(queries: readonly TwoStageQuery[], deadline: AbortSignal): Promise<TwoStageAnswer> {
    if (queries.length === 0) return { version: '', lists: [] };
    // One metadata read first: an old repository costs one failed call, not one per model (each
    // failure counts against the circuit breaker the one-stage path shares).
    await missingAs(TWO_STAGE_MODELS.ranker, this.models.versionOf(TWO_STAGE_MODELS.ranker, deadline));
    const [recall, content] = await Promise.all([
      this.recall(queries, deadline),
      missingAs(TWO_STAGE_MODELS.content, this.models.contentOf(TWO_STAGE_MODELS.content, deadline)),
    ]);
    const contentOf = (itemId: string) => content.get(itemId);
    const merged = queries.map((q, i) => mergeCandidates(recall[i], q.exclude));
    const activity = await this.activityOf(queries, merged);
    const rows = merged.reduce((sum, list) => sum + list.length, 0);
    const features = new Float32Array(rows * FEATURE_COUNT);
    let row = 0;
    queries.forEach((q, i) => {
      writeFeatures({ history: q.history, now: q.now, contentOf }, merged[i], activity[i], features, row);
      row += merged[i].length;
    });
    const { version, scores } = await missingAs(
      TWO_STAGE_MODELS.ranker,
      this.models.rank(TWO_STAGE_MODELS.ranker, features, FEATURE_COUNT, deadline),
    );
    row = 0;
    const lists = merged.map((candidates) => {
      const ranked = candidates.map((candidate, j) => ({
        productId: candidate.itemId,
        score: scores[row + j],
        source: strongestSource(candidate),
      }));
      row += candidates.length;
      return ranked.sort((a, b) => b.score - a.score || (a.productId < b.productId ? -1 : 1)).slice(0, this.options.keep);
    });
    return { version, lists };
  }

  /** One request per recall model for all queries; popularity lists once per distinct moment. */
  private async recall(queries: readonly TwoStageQuery[], deadline: AbortSignal): Promise<RecallLists[]> {
    const recentFor = (profile: RecencyProfile) =>
      queries.map((q) => ({
        recent: recentWeighted(q.history, profile).map(({ itemId, weight }) => ({ productId: itemId, weight })),
        exclude: q.exclude,
      }));
    const [taste, successors, neighbours, content, popularity] = await Promise.all([
      this.models.tasteOf(
        queries.map((q) => ({ userId: q.userId, exclude: q.exclude })),
        deadline,
        MAX_RECALL_EXCLUDED,
      ),
      missingAs(
        TWO_STAGE_MODELS.transitions,
        this.models.recallFromRecent(TWO_STAGE_MODELS.transitions, recentFor(SUCCESSOR_RECENCY), deadline),
      ),
      missingAs(
        TWO_STAGE_MODELS.coOccurrence,
        this.models.recallFromRecent(TWO_STAGE_MODELS.coOccurrence, recentFor(NEIGHBOUR_RECENCY), deadline),
      ),
      missingAs(TWO_STAGE_MODELS.content, this.models.recallFromRecent(TWO_STAGE_MODELS.content, recentFor(CONTENT_RECENCY), deadline)),
      this.popularityLists(queries),
    ]);
    const hits = (answer: ModelAnswer<Ranked[]>, i: number): RecallHit[] =>
      answer.rows[i].map(({ productId, score }) => ({ itemId: productId, score }));
    return queries.map((q, i) => ({
      lists: {
        successors: hits(successors, i),
        neighbours: hits(neighbours, i),
        taste: hits(taste, i),
        content: hits(content, i),
        trending: popularity[i].trending,
        popular: popularity[i].popular,
      },
      successorProbability: new Map(successors.rows[i].map((r) => [r.productId, r.normalized ?? 0])),
    }));
  }

  private async popularityLists(queries: readonly TwoStageQuery[]): Promise<{ trending: RecallHit[]; popular: RecallHit[] }[]> {
    const unseen = (list: ScoredItem[], exclude: ReadonlySet<string>, k: number) => list.filter((e) => !exclude.has(e.itemId)).slice(0, k);
    return Promise.all(
      queries.map(async (q) => {
        const [trending, popular] = await Promise.all([
          this.activity.trending(q.now, RECALL_DEPTH.trending + q.exclude.size),
          this.activity.popular(q.now, RECALL_DEPTH.popular + q.exclude.size),
        ]);
        return { trending: unseen(trending, q.exclude, RECALL_DEPTH.trending), popular: unseen(popular, q.exclude, RECALL_DEPTH.popular) };
      }),
    );
  }

  /** Activity of every candidate, one lookup per distinct moment (serving: one for the batch). */
  private async activityOf(queries: readonly TwoStageQuery[], merged: { itemId: string }[][]): Promise<Map<string, ItemActivity>[]> {
    const byMoment = new Map<number, Set<string>>();
    queries.forEach((q, i) => {
      let ids = byMoment.get(q.now);
      if (!ids) byMoment.set(q.now, (ids = new Set()));
      for (const c of merged[i]) ids.add(c.itemId);
    });
    const answers = new Map<number, Map<string, ItemActivity>>();
    await Promise.all([...byMoment].map(async ([now, ids]) => answers.set(now, await this.activity.activityOf([...ids], now))));
    return queries.map((q) => answers.get(q.now)!);
  }
}

/**
 * The server refusing a two-stage model's metadata (400 "unknown model" from ours and from Triton,
 * 404 from others) means an old repository: say so with TwoStageModelsMissing. Only metadata reads
 * carry a status; a failed inference request stays InferenceUnavailable.
 */
async function missingAs<T>(model: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof InferenceUnavailable && (error.status === 400 || error.status === 404)) throw new TwoStageModelsMissing(model);
    throw error;
  }
}
