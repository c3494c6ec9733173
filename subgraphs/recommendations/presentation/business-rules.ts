/**
 * What happens after the model: business rules on an over-fetched candidate list. Out-of-stock,
 * already-bought and blocked products go; no category takes more than its share; popularity fills
 * what is left. Pure functions, so the rules are tested without servers.
 */
import type { Candidate } from '../pipelines/candidate-source';

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
