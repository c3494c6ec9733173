/**
 * What both pipelines do around their models: each user's exclusions, the candidate cache (keys of
 * their own), one model call for the users the cache misses under one deadline, and, for those
 * users when the models cannot answer, the next step down: another pipeline where the caller names
 * one (two-stage → one-stage, in what is left of the deadline), else popularity, marked degraded.
 * Users whose lists were cached keep them: a failure moves only the users it failed, one step.
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
  /** The next step when the models cannot answer (two-stage: the one-stage pipeline). Without it, popularity answers. */
  stepDown?: StepDown;
}

export interface StepDown {
  /** Lists for `userIds` from the lower step, within `budgetMs`. */
  serve(userIds: string[], budgetMs: number): Promise<CandidateList[]>;
  /** Counts `users` stepped down for `reason` (the failed step's). */
  count(users: number, reason: InferenceUnavailable['reason']): void;
}

/**
 * With a step below, how much of the budget a pipeline has alone: if it has not answered by then,
 * the lower step starts alongside it, in what is left, and serves if the pipeline then fails. On
 * the 2-core reference machine, quiet, two-stage answers one user in about 30 ms and 200 users in
 * about 250 ms, so at the default 500 ms deadline only big operations on a busy machine start the
 * lower step at all, and one-stage (one request per model) still has 200 ms to answer them in.
 */
export const STEP_DOWN_AFTER_SHARE = 0.6;

export async function cachedCandidateLists(
  deps: CachedListsDeps,
  userIds: string[],
  placement: RecommendationPlacement,
  options: CachedListsOptions,
  budgetMs = deps.deadlineMs,
): Promise<CandidateList[]> {
  const cached = await deps.cache.getMany(userIds.map((id) => options.keyOf(id, placement)));
  // A cached list keeps the exclusions it was made with: what changes them (a purchase, a hidden
  // product) drops the list too. Only the other users' exclusions are read.
  const exclude = new Map(userIds.map((id, index) => [id, new Set<string>(cached[index]?.exclude)]));
  const unread = userIds.filter((_, index) => !cached[index]?.exclude);
  for (const [id, products] of await exclusionsOf(deps.prisma, unread)) for (const productId of products) exclude.get(id)!.add(productId);

  const misses = userIds.filter((_, index) => !cached[index]);
  const fresh = new Map<string, CandidateList>();
  let failure: InferenceUnavailable | undefined;
  if (misses.length > 0) {
    // The budget is the models' time, counted from here: the reads above are the database's.
    const started = performance.now();
    const { stepDown } = options;
    let lower: Promise<CandidateList[]> | undefined;
    const startLower = () => {
      if (!lower && stepDown) {
        lower = stepDown.serve(misses, budgetMs - (performance.now() - started));
        // Not awaited when this step answers after all: its rejection is no one's.
        lower.catch(() => undefined);
      }
      return lower;
    };
    const timer = stepDown ? setTimeout(startLower, budgetMs * STEP_DOWN_AFTER_SHARE) : undefined;
    try {
      const lists = await options.compute(misses, exclude, deadlineAfter(budgetMs)).finally(() => clearTimeout(timer));
      misses.forEach((id, index) =>
        fresh.set(id, {
          version: lists[index].version,
          degraded: false,
          exclude: exclude.get(id)!,
          candidates: lists[index].candidates as Candidate[],
        }),
      );
      // Read again for the cache: a purchase or a hide that lands while the models work drops the
      // list before this write, and the list must not be kept with the exclusions from before it.
      const latest = await exclusionsOf(deps.prisma, misses);
      for (const id of misses) for (const productId of latest.get(id)!) exclude.get(id)!.add(productId);
      await Promise.all(
        misses.map((id, index) => deps.cache.set(options.keyOf(id, placement), { ...lists[index], exclude: [...latest.get(id)!] })),
      );
    } catch (error) {
      if (options.passThrough?.(error)) throw error;
      failure = error instanceof InferenceUnavailable ? error : new InferenceUnavailable('bad_response', String(error));
      if (stepDown) {
        stepDown.count(misses.length, failure.reason);
        const lists = await startLower()!;
        const reason = failure.reason;
        misses.forEach((id, index) => fresh.set(id, { ...lists[index], steppedDownBy: lists[index].steppedDownBy ?? reason }));
        deps.log.warn(
          { reason: failure.message, users: misses.length, pipeline: options.pipeline },
          'recommendations stepped down to the next pipeline',
        );
        failure = undefined;
      } else {
        fallbacks.inc({ reason: failure.reason }, misses.length);
        deps.log.warn(
          { reason: failure.message, users: misses.length, pipeline: options.pipeline },
          'recommendations degraded to popularity',
        );
      }
    }
  }
  const popular = failure ? await deps.popularity.get() : [];
  return userIds.map((id, index) => {
    const hit = cached[index];
    if (hit) return { version: hit.version, degraded: false, exclude: exclude.get(id)!, candidates: hit.candidates as Candidate[] };
    const computed = fresh.get(id);
    if (computed) return computed;
    const fill = popularFor(popular, exclude.get(id)!, 100).map((entry) => ({
      productId: entry.productId,
      score: entry.score,
      reason: entry.reason,
    }));
    return { version: null, degraded: true, degradedBy: failure?.reason, exclude: exclude.get(id)!, candidates: fill };
  });
}

/** Each user's bought and hidden products (none read for no users). */
async function exclusionsOf(prisma: PrismaClient, userIds: string[]): Promise<Map<string, Set<string>>> {
  const byUser = new Map(userIds.map((id) => [id, new Set<string>()]));
  if (userIds.length > 0) for (const row of await excludedOfUsers(prisma, userIds)) byUser.get(row.userId)?.add(row.productId);
  return byUser;
}

/** Drops a user's cached lists in every placement. */
export async function invalidateLists(
  cache: CandidateCache,
  keyOf: (userId: string, placement: RecommendationPlacement) => string,
  userId: string,
): Promise<void> {
  await Promise.all(Object.values(RecommendationPlacement).map((placement) => cache.invalidate(keyOf(userId, placement))));
}
