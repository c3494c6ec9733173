/**
 * The seam between "which pipeline serves this user" and "how a pipeline makes candidates": the
 * one-stage recommender (ALS + session blend) and the two-stage pipeline (multi-source recall, a
 * learned ranker) both answer this, so the A/B router can split a batch of users between them and
 * still send one request per model per operation. It imports no pipeline, so neither pipeline
 * depends on the other for the types they share.
 */
import type { RecommendationPlacement, RecommendationReason, RecommendationVariant } from '../presentation/recommendation';

export interface Candidate {
  productId: string;
  score: number;
  reason: RecommendationReason;
}

export interface CandidateList {
  /** Model version behind the candidates; null when popularity answered. */
  version: string | null;
  degraded: boolean;
  /** Why popularity answered instead of the models, as recommendations_fallbacks_total names it; set on degraded user lists. */
  degradedBy?: string;
  /**
   * Why the user's own pipeline could not answer in its share of the deadline, when the one-stage
   * model served the list instead (a step down, not to the bottom): the failure's reason.
   */
  steppedDownBy?: string;
  candidates: Candidate[];
  /** Products this list must never show (bought or blocked by the user, or the product itself). */
  exclude: Set<string>;
  /**
   * The A/B arm whose pipeline made the list, set by VariantRouter for User.recommendations;
   * absent for lists outside the experiment (Product.similar) and straight from a pipeline.
   */
  variant?: RecommendationVariant;
}

export interface UserCandidateSource {
  /**
   * Candidate lists in the order of `userIds`; degrades to popularity rather than throwing when
   * models fail. `budgetMs`: how long the models may take (default: the operation's inference
   * deadline); a pipeline stepping down to another passes on what is left of its own.
   */
  forUsers(userIds: string[], placement: RecommendationPlacement, budgetMs?: number): Promise<CandidateList[]>;
  /** Forgets what is cached for the user (their orders or interactions changed). */
  invalidate(userId: string): Promise<void>;
}
