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
import { DegradedReason, recommendation, RecommendationReason, RecommendationVariant, type Recommendation } from './recommendation';

/** The fallback reason of a list made without the products service's stock and categories. */
const PRODUCTS_UNAVAILABLE = 'products_unavailable';

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
  return (await rankList(list, first, popularity, factsOf)).items;
}

/** What made a served list, and why it is degraded: the labels of recommendations_lists_total. */
export interface ServedList {
  servedBy: 'two_stage' | 'one_stage' | 'popularity';
  /** 'none', or the fallback reason recommendations_fallbacks_total counts (the lowest step's when several). */
  reason: string;
}

/** Ranks like rank(), and says what served the list. */
export async function rankList(
  list: CandidateList,
  first: number,
  popularity: Popularity[],
  factsOf: (ids: string[]) => Promise<Map<string, ProductFacts | null>>,
): Promise<{ items: Recommendation[]; served: ServedList }> {
  const popularAll: Candidate[] = popularFor(popularity, list.exclude, first * OVER_FETCH).map((entry) => ({
    productId: entry.productId,
    score: entry.score,
    reason: entry.reason,
  }));
  const candidates = list.candidates.slice(0, first * OVER_FETCH);
  const degradedReasons = list.degraded ? [DegradedReason.MODEL_UNAVAILABLE] : [];
  const facts = await factsOf([...new Set([...candidates, ...popularAll].map((candidate) => candidate.productId))]).catch(() => {
    fallbacks.inc({ reason: PRODUCTS_UNAVAILABLE });
    degradedReasons.push(DegradedReason.PRODUCTS_UNAVAILABLE);
    return null;
  });
  const items = applyBusinessRules({ candidates, popular: popularAll, exclude: list.exclude, facts, first }).map((candidate) =>
    recommendation(candidate.productId, candidate.score, candidate.reason, {
      modelVersion: FROM_MODEL.has(candidate.reason) ? list.version : null,
      degradedReasons,
      variant: list.variant,
    }),
  );
  return { items, served: servedList(list, facts === null) };
}

export function servedList(list: CandidateList, productsUnavailable: boolean): ServedList {
  // Popularity is the lowest step: the models' failure is the reason even when products failed too.
  if (list.degraded) return { servedBy: 'popularity', reason: list.degradedBy ?? 'bad_response' };
  return {
    servedBy: list.variant === RecommendationVariant.TWO_STAGE ? 'two_stage' : 'one_stage',
    // A step down is the models' failure too, and the lower step's: it comes first, like popularity's.
    reason: list.steppedDownBy ?? (productsUnavailable ? PRODUCTS_UNAVAILABLE : 'none'),
  };
}
