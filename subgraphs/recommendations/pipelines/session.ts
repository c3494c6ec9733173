/**
 * The session signal both pipelines use: what counts as the user's session, and how the one-stage
 * pipeline blends similarity to it with long-term taste.
 */
import type { Candidate } from './candidate-source';
import { RecommendationReason } from '../presentation/recommendation';

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
