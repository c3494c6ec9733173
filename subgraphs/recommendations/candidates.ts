/**
 * What happens after the model: business rules on an over-fetched candidate list. Out-of-stock,
 * already-bought and blocked products go; no category takes more than its share; popularity fills
 * what is left. Pure functions, so the rules are tested without servers.
 */
import type { Candidate } from './candidate-source';
import { RecommendationReason } from './recommendation';

export interface ProductFacts {
  stock: number;
  category: string;
}

/** At most this share of a list may come from one category. */
export const MAX_CATEGORY_SHARE = 0.5;

export interface RuleInput {
  candidates: Candidate[];
  /** Fill-ins, best first, used when the candidates run short. */
  popular: Candidate[];
  exclude: Set<string>;
  /**
   * Stock and category of every candidate; null when the products service could not say. Then the
   * stock and category rules are skipped: a list that may hold an out-of-stock item beats none.
   */
  facts: Map<string, ProductFacts | null> | null;
  first: number;
  /** When diversity cannot be met, fill with what is left rather than return fewer (default true). */
  relaxDiversity?: boolean;
}

export function applyBusinessRules({ candidates, popular, exclude, facts, first, relaxDiversity = true }: RuleInput): Candidate[] {
  const perCategory = Math.max(1, Math.ceil(first * MAX_CATEGORY_SHARE));
  const taken = new Map<string, number>();
  const chosen: Candidate[] = [];
  const seen = new Set<string>();
  const consider = (candidate: Candidate, capCategories: boolean) => {
    if (chosen.length >= first || seen.has(candidate.productId) || exclude.has(candidate.productId)) return;
    if (facts) {
      const fact = facts.get(candidate.productId);
      if (!fact || fact.stock <= 0) return;
      const inCategory = taken.get(fact.category) ?? 0;
      if (capCategories && inCategory >= perCategory) return;
      taken.set(fact.category, inCategory + 1);
    }
    seen.add(candidate.productId);
    chosen.push(candidate);
  };
  for (const candidate of candidates) consider(candidate, true);
  for (const candidate of popular) consider(candidate, true);
  // A tiny catalogue may not allow the diversity asked for; a short list is worse than a narrow one.
  if (relaxDiversity) for (const candidate of [...candidates, ...popular]) consider(candidate, false);
  return chosen;
}

/** What counts as the session: the latest views and cart adds of the last 24 h, both pipelines alike. */
export const SESSION_WINDOW_MS = 24 * 60 * 60_000;
export const SESSION_ITEMS = 5;

/** Session signal: products similar to what the user just looked at or put in the cart. */
export const SESSION_WEIGHTS = { VIEW: 0.6, ADD_TO_CART: 1 } as const;

/**
 * Blends model candidates with similarity to recent session items. Scores are normalised to the
 * best of each list; `sessionWeight` is how much the session counts against long-term taste.
 */
export function blendSession(
  model: { productId: string; score: number }[],
  session: { productId: string; score: number }[],
  sessionWeight: number,
): Candidate[] {
  const top = (list: { score: number }[]) => Math.max(...list.map((entry) => entry.score), Number.EPSILON);
  const modelTop = top(model);
  const sessionTop = top(session);
  const blended = new Map<string, { model: number; session: number }>();
  for (const entry of model) blended.set(entry.productId, { model: entry.score / modelTop, session: 0 });
  for (const entry of session) {
    const current = blended.get(entry.productId) ?? { model: 0, session: 0 };
    current.session = Math.max(current.session, entry.score / sessionTop);
    blended.set(entry.productId, current);
  }
  return [...blended.entries()]
    .map(([productId, parts]) => ({
      productId,
      score: (1 - sessionWeight) * parts.model + sessionWeight * parts.session,
      reason:
        sessionWeight * parts.session > (1 - sessionWeight) * parts.model
          ? RecommendationReason.SIMILAR_TO_RECENT
          : RecommendationReason.MODEL,
    }))
    .sort((a, b) => b.score - a.score || a.productId.localeCompare(b.productId));
}
