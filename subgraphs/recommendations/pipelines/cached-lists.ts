/**
 * What both pipelines do around their models: each user's exclusions, the candidate cache (keys of
 * their own), one model call for the users the cache misses under one deadline, and popularity —
 * marked degraded — for those users when the models cannot answer.
 */
import type { Logger } from '../../../platform/logger';
import type { PrismaClient } from '../../../prisma/database';
import type { CachedCandidates, CandidateCache } from './cache';
import type { Candidate, CandidateList } from './candidate-source';
import { excludedOfUsers } from '../data';
import { deadlineAfter, InferenceUnavailable } from '../transport/inference-client';
import { fallbacks } from '../metrics';
import { popularFor, type PopularityCache } from './popularity';
import { RecommendationPlacement } from '../presentation/recommendation';

export interface CachedListsDeps {
  prisma: PrismaClient;
  cache: CandidateCache;
  popularity: PopularityCache;
  /** The inference deadline of one operation (config.inferenceDeadlineMs). */
  deadlineMs: number;
  log: Logger;
}

export interface CachedListsOptions {
  /** The pipeline's cache key for a user's list in a placement. */
  keyOf(userId: string, placement: RecommendationPlacement): string;
  /** Fresh lists for `userIds` (in order) from the models; rejects with InferenceUnavailable when they cannot answer. */
  compute(userIds: string[], exclude: Map<string, Set<string>>, deadline: AbortSignal): Promise<CachedCandidates[]>;
  /** Errors that are not the models being unavailable and must reach the caller (default: none). */
  passThrough?(error: unknown): boolean;
  /** Names the pipeline in the degradation warning. */
  pipeline: string;
}

export async function cachedCandidateLists(
  deps: CachedListsDeps,
  userIds: string[],
  placement: RecommendationPlacement,
  options: CachedListsOptions,
): Promise<CandidateList[]> {
  const exclude = new Map(userIds.map((id) => [id, new Set<string>()]));
  for (const row of await excludedOfUsers(deps.prisma, userIds)) exclude.get(row.userId)?.add(row.productId);

  const cached = await deps.cache.getMany(userIds.map((id) => options.keyOf(id, placement)));
  const misses = userIds.filter((_, index) => !cached[index]);
  const fresh = new Map<string, CachedCandidates>();
  let failure: InferenceUnavailable | undefined;
  if (misses.length > 0) {
    try {
      const lists = await options.compute(misses, exclude, deadlineAfter(deps.deadlineMs));
      misses.forEach((id, index) => fresh.set(id, lists[index]));
      await Promise.all(misses.map((id, index) => deps.cache.set(options.keyOf(id, placement), lists[index])));
    } catch (error) {
      if (options.passThrough?.(error)) throw error;
      failure = error instanceof InferenceUnavailable ? error : new InferenceUnavailable('bad_response', String(error));
      fallbacks.inc({ reason: failure.reason }, misses.length);
      deps.log.warn(
        { reason: failure.message, users: misses.length, pipeline: options.pipeline },
        'recommendations degraded to popularity',
      );
    }
  }
  const popular = failure ? await deps.popularity.get() : [];
  return userIds.map((id, index) => {
    const hit = cached[index] ?? fresh.get(id);
    if (hit) return { version: hit.version, degraded: false, exclude: exclude.get(id)!, candidates: hit.candidates as Candidate[] };
    const fill = popularFor(popular, exclude.get(id)!, 100).map((entry) => ({
      productId: entry.productId,
      score: entry.score,
      reason: entry.reason,
    }));
    return { version: null, degraded: true, degradedBy: failure?.reason, exclude: exclude.get(id)!, candidates: fill };
  });
}

/** Drops a user's cached lists in every placement. */
export async function invalidateLists(
  cache: CandidateCache,
  keyOf: (userId: string, placement: RecommendationPlacement) => string,
  userId: string,
): Promise<void> {
  await Promise.all(Object.values(RecommendationPlacement).map((placement) => cache.invalidate(keyOf(userId, placement))));
}
