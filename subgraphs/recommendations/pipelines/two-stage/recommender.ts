/**
 * The two-stage pipeline as a UserCandidateSource: reads each user's history and exclusions, asks
 * TwoStagePipeline for ranked candidates (one request per model for the whole batch), caches them
 * under its own key prefix. When inference cannot answer within its share of the deadline, the
 * users it failed step down to the one-stage pipeline it is given, in what is left of the deadline
 * (and from there to popularity); without one, to popularity. When the repository has no two-stage
 * models it throws TwoStageModelsMissing instead, so the caller (the A/B router) can serve those
 * users one-stage.
 */
import type { Logger } from '../../../../platform/logger';
import type { PrismaClient } from '../../../../prisma/database';
import type { RecallSource } from '../../../../ranking/candidates';
import { CATEGORY_TOKEN_PREFIX, TWO_STAGE_MODELS } from '../../../../platform/model-contract';
import type { CachedCandidates, CandidateCache } from '../cache';
import type { Candidate, CandidateList, UserCandidateSource } from '../candidate-source';
import { cachedCandidateLists, invalidateLists, type CachedListsDeps } from '../cached-lists';
import { SESSION_ITEMS, SESSION_WINDOW_MS } from '../session';
import { InferenceUnavailable } from '../../transport/inference-client';
import type { RecommendationModels } from '../../transport/model-client';
import type { PopularityCache } from '../popularity';
import { RecommendationPlacement, RecommendationReason, RecommendationVariant } from '../../presentation/recommendation';
import { variantFallbacks } from '../../metrics';
import { DatabaseActivity, historiesOfUsers, type ServedEvent } from './data';
import { TwoStageModelsMissing, TwoStagePipeline, type RankedCandidate } from './pipeline';
import { reserveSessionShare, SESSION_SHARE } from './session-share';

export { TwoStageModelsMissing } from './pipeline';

/** Why a candidate is shown, from the recall source that proposed it most strongly. */
const REASON: Record<RecallSource, RecommendationReason> = {
  successors: RecommendationReason.SIMILAR_TO_RECENT,
  neighbours: RecommendationReason.SIMILAR_TO_RECENT,
  content: RecommendationReason.SIMILAR_TO_RECENT,
  taste: RecommendationReason.MODEL,
  trending: RecommendationReason.POPULAR,
  popular: RecommendationReason.POPULAR,
};

/** After the repository was found without two-stage models, ask again only after this long. */
const MISSING_RECHECK_MS = 30_000;

export class TwoStageRecommender implements UserCandidateSource {
  private missingUntil = 0;
  private missing?: TwoStageModelsMissing;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly models: RecommendationModels,
    private readonly pipeline: TwoStagePipeline,
    private readonly cache: CandidateCache,
    private readonly popularity: PopularityCache,
    private readonly deadlineMs: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly stepDown?: UserCandidateSource,
  ) {}

  /** Its own prefix: a user's one-stage and two-stage lists never answer for each other. */
  static cacheKey(userId: string, placement: RecommendationPlacement): string {
    return `2s:${userId}:${placement}`;
  }

  private listDeps(): CachedListsDeps {
    return { prisma: this.prisma, cache: this.cache, popularity: this.popularity, deadlineMs: this.deadlineMs, log: this.log };
  }

  async invalidate(userId: string): Promise<void> {
    await invalidateLists(this.cache, TwoStageRecommender.cacheKey, userId);
  }

  async forUsers(userIds: string[], placement: RecommendationPlacement, budgetMs?: number): Promise<CandidateList[]> {
    if (this.missing && this.now() < this.missingUntil) throw this.missing;
    const lower = this.stepDown;
    try {
      return await cachedCandidateLists(
        this.listDeps(),
        userIds,
        placement,
        {
          pipeline: 'two-stage',
          keyOf: TwoStageRecommender.cacheKey,
          compute: (misses, exclude, deadline) => this.rankedCandidates(misses, exclude, placement, deadline),
          passThrough: (error) => error instanceof TwoStageModelsMissing,
          stepDown: lower
            ? {
                serve: async (misses, leftMs) =>
                  (await lower.forUsers(misses, placement, leftMs)).map((list) => ({ ...list, variant: RecommendationVariant.ONE_STAGE })),
                count: (users, reason) => variantFallbacks.inc({ reason }, users),
              }
            : undefined,
        },
        budgetMs,
      );
    } catch (error) {
      if (error instanceof TwoStageModelsMissing) {
        this.missing = error;
        this.missingUntil = this.now() + MISSING_RECHECK_MS;
      }
      throw error;
    }
  }

  private async rankedCandidates(
    userIds: string[],
    exclude: Map<string, Set<string>>,
    placement: RecommendationPlacement,
    deadline: AbortSignal,
  ): Promise<CachedCandidates[]> {
    if (!this.models.available) throw new InferenceUnavailable('circuit_open', 'recent inference calls failed');
    const now = this.now();
    const histories = await historiesOfUsers(this.prisma, userIds);
    const answer = await this.pipeline.rank(
      userIds.map((userId) => ({ userId, history: histories.get(userId) ?? [], exclude: exclude.get(userId)!, now })),
      deadline,
    );
    const { categoryOf, byUser } = await this.sessionCategories(histories, now, deadline);
    return answer.lists.map((list, index) => {
      const ranked = list.map(toCandidate);
      const categories = byUser.get(userIds[index]);
      const candidates = categories
        ? reserveSessionShare(ranked, (productId) => categories.has(categoryOf(productId) ?? ''), SESSION_SHARE[placement])
        : ranked;
      return { version: answer.version, candidates };
    });
  }

  /** The categories of each user's latest views and cart adds in the session window, as the content model knows them. */
  private async sessionCategories(
    histories: Map<string, ServedEvent[]>,
    now: number,
    deadline: AbortSignal,
  ): Promise<{ categoryOf: (productId: string) => string | undefined; byUser: Map<string, Set<string>> }> {
    const sessions = new Map<string, string[]>();
    for (const [userId, history] of histories) {
      const latest: string[] = [];
      // Histories run oldest first: walk back from the newest event.
      for (let i = history.length - 1; i >= 0 && latest.length < SESSION_ITEMS; i--) {
        const event = history[i];
        if (event.at < now - SESSION_WINDOW_MS) break;
        if (event.kind !== 'PURCHASE' && !latest.includes(event.itemId)) latest.push(event.itemId);
      }
      if (latest.length > 0) sessions.set(userId, latest);
    }
    const byUser = new Map<string, Set<string>>();
    if (sessions.size === 0) return { categoryOf: () => undefined, byUser };
    const content = await this.models.contentOf(TWO_STAGE_MODELS.content, deadline);
    const categoryOf = (productId: string) => content.get(productId)?.find((token) => token.startsWith(CATEGORY_TOKEN_PREFIX));
    for (const [userId, products] of sessions) {
      const categories = new Set(products.map(categoryOf).filter((category) => category !== undefined));
      if (categories.size > 0) byUser.set(userId, categories);
    }
    return { categoryOf, byUser };
  }
}

function toCandidate(candidate: RankedCandidate): Candidate {
  return {
    productId: candidate.productId,
    score: candidate.score,
    reason: candidate.source ? REASON[candidate.source] : RecommendationReason.MODEL,
  };
}

export interface TwoStageRecommenderDeps {
  prisma: PrismaClient;
  models: RecommendationModels;
  cache: CandidateCache;
  popularity: PopularityCache;
  /** The inference deadline of one operation (config.inferenceDeadlineMs). */
  deadlineMs: number;
  log: Logger;
  /** The pipeline users step down to when two-stage cannot answer in its share of the deadline (the one-stage Recommender). */
  stepDown?: UserCandidateSource;
  /**
   * The clock (ms since the epoch; default Date.now): the moment the features (time since the
   * last event, item ages, activity windows) are counted back from; a test fixes it.
   */
  now?: () => number;
}

/** What createResources calls: the pipeline over the database's activity and the shared model client. */
export function createTwoStageRecommender(deps: TwoStageRecommenderDeps): TwoStageRecommender {
  const now = deps.now ?? Date.now;
  const pipeline = new TwoStagePipeline(deps.models, new DatabaseActivity(deps.prisma, now));
  return new TwoStageRecommender(
    deps.prisma,
    deps.models,
    pipeline,
    deps.cache,
    deps.popularity,
    deps.deadlineMs,
    deps.log,
    now,
    deps.stepDown,
  );
}
