/**
 * Model-backed candidates. However many users (or products) one operation asks about, they reach
 * here as one batch and cost one inference request per model: `recommender` for long-term taste,
 * `similar_items` for the session signal (products like the ones just viewed or put in the cart).
 * When the model cannot answer within the deadline — down, slow, overloaded, circuit open —
 * popularity answers and the result says it is degraded.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { Logger } from '../../../platform/logger';
import type { CandidateCache, CachedCandidates } from './cache';
import type { CandidateList, UserCandidateSource } from './candidate-source';
import { blendSession, SESSION_ITEMS, SESSION_WEIGHTS, SESSION_WINDOW_MS } from './session';
import { cachedCandidateLists, invalidateLists, type CachedListsDeps } from './cached-lists';
import { coPurchases, recentInteractionsOfUsers, type CoPurchase } from '../data';
import { deadlineAfter, InferenceUnavailable } from '../transport/inference-client';
import { fallbacks } from '../metrics';
import type { RecommendationModels } from '../transport/model-client';
import { similarTo, type PopularityCache } from './popularity';
import { RecommendationPlacement, RecommendationReason } from '../presentation/recommendation';

/** How much the session counts against long-term taste, per placement. */
const SESSION_WEIGHT: Record<RecommendationPlacement, number> = { HOME: 0.6, CART: 0.85 };
const RECENCY_DECAY = 0.8;
export class Recommender implements UserCandidateSource {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly models: RecommendationModels,
    private readonly cache: CandidateCache,
    private readonly popularity: PopularityCache,
    private readonly deadlineMs: number,
    private readonly log: Logger,
  ) {}

  /** `1s:` names the pipeline, so a change of the A/B split never serves the two-stage pipeline's cached list as this one's. */
  static cacheKey(userId: string, placement: RecommendationPlacement): string {
    return `1s:${userId}:${placement}`;
  }

  private listDeps(): CachedListsDeps {
    return { prisma: this.prisma, cache: this.cache, popularity: this.popularity, deadlineMs: this.deadlineMs, log: this.log };
  }

  async invalidate(userId: string): Promise<void> {
    await invalidateLists(this.cache, Recommender.cacheKey, userId);
  }

  forUsers(userIds: string[], placement: RecommendationPlacement, budgetMs?: number): Promise<CandidateList[]> {
    return cachedCandidateLists(
      this.listDeps(),
      userIds,
      placement,
      {
        pipeline: 'one-stage',
        keyOf: Recommender.cacheKey,
        compute: (misses, exclude, deadline) => this.modelCandidates(misses, exclude, placement, deadline),
      },
      budgetMs,
    );
  }

  private async modelCandidates(
    userIds: string[],
    exclude: Map<string, Set<string>>,
    placement: RecommendationPlacement,
    deadline: AbortSignal,
  ): Promise<CachedCandidates[]> {
    if (!this.models.available) throw new InferenceUnavailable('circuit_open', 'recent inference calls failed');
    const [taste, session] = await Promise.all([
      this.models.tasteOf(
        userIds.map((userId) => ({ userId, exclude: exclude.get(userId)! })),
        deadline,
      ),
      this.sessionCandidates(userIds, deadline),
    ]);
    return userIds.map((id, row) => {
      const fromModel = taste.rows[row];
      const recent = session.get(id) ?? [];
      const candidates =
        recent.length > 0
          ? blendSession(fromModel, recent, SESSION_WEIGHT[placement])
          : fromModel.map((entry) => ({ ...entry, reason: RecommendationReason.MODEL }));
      return { version: taste.version, candidates };
    });
  }

  /** Products similar to each user's recent session items, from one `similar_items` request for all users. */
  private async sessionCandidates(userIds: string[], deadline: AbortSignal): Promise<Map<string, { productId: string; score: number }[]>> {
    const recent = await recentInteractionsOfUsers(this.prisma, userIds, new Date(Date.now() - SESSION_WINDOW_MS));
    const perUser = new Map<string, { productId: string; weight: number }[]>();
    for (const row of recent) {
      const items = perUser.get(row.userId) ?? [];
      if (items.length < SESSION_ITEMS && !items.some((item) => item.productId === row.productId)) {
        items.push({ productId: row.productId, weight: SESSION_WEIGHTS[row.kind] * RECENCY_DECAY ** items.length });
      }
      perUser.set(row.userId, items);
    }
    const queries = [...perUser].flatMap(([userId, items]) => items.map((item) => ({ userId, ...item })));
    if (queries.length === 0) return new Map();
    const similar = await this.models.similarTo(
      queries.map((query) => query.productId),
      deadline,
    );
    const scores = new Map<string, Map<string, number>>();
    queries.forEach((query, row) => {
      const byProduct = scores.get(query.userId) ?? new Map<string, number>();
      for (const { productId, score } of similar.rows[row] ?? []) {
        byProduct.set(productId, Math.max(byProduct.get(productId) ?? 0, score * query.weight));
      }
      scores.set(query.userId, byProduct);
    });
    return new Map([...scores].map(([userId, byProduct]) => [userId, [...byProduct].map(([productId, score]) => ({ productId, score }))]));
  }

  /** Products like each given product: the item-to-item model, or co-purchases when it cannot answer. */
  async similarTo(productIds: string[]): Promise<CandidateList[]> {
    try {
      if (!this.models.available) throw new InferenceUnavailable('circuit_open', 'recent inference calls failed');
      return await this.similarFromModel(productIds, deadlineAfter(this.deadlineMs));
    } catch (error) {
      const failure = error instanceof InferenceUnavailable ? error : new InferenceUnavailable('bad_response', String(error));
      fallbacks.inc({ reason: failure.reason }, productIds.length);
      return this.similarFromPurchases(productIds, true);
    }
  }

  private async similarFromModel(productIds: string[], deadline: AbortSignal): Promise<CandidateList[]> {
    const similar = await this.models.similarTo(productIds, deadline);
    // Products newer than the model have no row yet: co-purchases speak for them.
    const unknown = productIds.filter((_, index) => similar.rows[index] === undefined);
    const fallback = new Map((await this.similarFromPurchases(unknown, false)).map((list, index) => [unknown[index], list]));
    return productIds.map((id, index) => {
      const row = similar.rows[index];
      if (!row) return fallback.get(id)!;
      return {
        version: similar.version,
        degraded: false,
        exclude: new Set([id]),
        candidates: row.map(({ productId, score }) => ({ productId, score, reason: RecommendationReason.SIMILAR_ITEM })),
      };
    });
  }

  private async similarFromPurchases(productIds: string[], degraded: boolean): Promise<CandidateList[]> {
    if (productIds.length === 0) return [];
    const [rows, popular] = await Promise.all([coPurchases(this.prisma, productIds), this.popularity.get()]);
    const bySource = new Map<string, CoPurchase[]>(productIds.map((id) => [id, []]));
    for (const row of rows) bySource.get(row.source)?.push(row);
    return productIds.map((id) => ({
      version: null,
      degraded,
      exclude: new Set([id]),
      candidates: similarTo(id, bySource.get(id)!, popular, 100).map((entry) => ({
        productId: entry.productId,
        score: entry.score,
        reason: entry.reason,
      })),
    }));
  }
}
