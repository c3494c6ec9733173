/**
 * From a candidate list to what a client sees: business rules, popularity fill, provenance. When
 * the products service cannot give stock and category, the list is made without those rules and
 * says so (PRODUCTS_UNAVAILABLE) instead of coming back empty.
 */
import type { Candidate, CandidateList } from '../pipelines/candidate-source';
import { applyBusinessRules, type ProductFacts } from './business-rules';
import type { Popularity } from '../data';
import { fallbacks } from '../metrics';
import { popularFor } from '../pipelines/popularity';
import { DegradedReason, recommendation, RecommendationReason, type Recommendation } from './recommendation';

/** Candidates looked at per slot: enough to survive stock, history and diversity filters. */
export const OVER_FETCH = 3;

const FROM_MODEL = new Set([RecommendationReason.MODEL, RecommendationReason.SIMILAR_TO_RECENT, RecommendationReason.SIMILAR_ITEM]);

export async function rank(
  list: CandidateList,
  first: number,
  popularity: Popularity[],
  /** Rejects when the products service is unavailable. */
  factsOf: (ids: string[]) => Promise<Map<string, ProductFacts | null>>,
): Promise<Recommendation[]> {
  const popularAll: Candidate[] = popularFor(popularity, list.exclude, first * OVER_FETCH).map((entry) => ({
    productId: entry.productId,
    score: entry.score,
    reason: entry.reason,
  }));
  const candidates = list.candidates.slice(0, first * OVER_FETCH);
  const degradedReasons = list.degraded ? [DegradedReason.MODEL_UNAVAILABLE] : [];
  const facts = await factsOf([...new Set([...candidates, ...popularAll].map((candidate) => candidate.productId))]).catch(() => {
    fallbacks.inc({ reason: 'products_unavailable' });
    degradedReasons.push(DegradedReason.PRODUCTS_UNAVAILABLE);
    return null;
  });
  return applyBusinessRules({ candidates, popular: popularAll, exclude: list.exclude, facts, first }).map((candidate) =>
    recommendation(candidate.productId, candidate.score, candidate.reason, {
      modelVersion: FROM_MODEL.has(candidate.reason) ? list.version : null,
      degradedReasons,
      variant: list.variant,
    }),
  );
}
