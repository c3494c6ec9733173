/**
 * The seam between "which pipeline serves this user" and "how a pipeline makes candidates": the
 * one-stage recommender (ALS + session blend) and the two-stage pipeline (multi-source recall, a
 * learned ranker) both answer this, so the A/B router can split a batch of users between them and
 * still send one request per model per operation.
 */
import type { RecommendationPlacement } from './recommendation';
import type { CandidateList } from './recommender';

export interface UserCandidateSource {
  /** Candidate lists in the order of `userIds`; degrades to popularity rather than throwing when models fail. */
  forUsers(userIds: string[], placement: RecommendationPlacement): Promise<CandidateList[]>;
  /** Forgets what is cached for the user (their orders or interactions changed). */
  invalidate(userId: string): Promise<void>;
}
