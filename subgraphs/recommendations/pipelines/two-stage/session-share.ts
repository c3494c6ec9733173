/**
 * A business rule on top of the ranker: lists follow what the user is looking at now.
 *
 * The ranker learns from the histories it is trained on. On the seeded catalogue tastes are stable
 * (85–95 % of a user's purchases in 1–3 categories), so it learns that long-term affinity predicts
 * the next purchase, and a fresh session barely moves its order. A shop wants the opposite right
 * after a user has viewed or carted something: when the user has such interactions in the last
 * 24 h, a share of every prefix of the list goes to candidates in those items' categories, in the
 * ranker's order. Purchases never trigger it, so the path `npm run eval` measures (histories of
 * ratings, no session interactions) is unchanged by it.
 */
import type { Candidate } from '../candidate-source';
import { RecommendationPlacement, RecommendationReason } from '../../presentation/recommendation';

/** The share of each prefix kept for the session's categories: the cart is about this session. */
export const SESSION_SHARE: Record<RecommendationPlacement, number> = { HOME: 0.3, CART: 0.6 };

/**
 * Reorders `ranked` so that every prefix of length n holds at least ceil(share × n) candidates
 * that `inSession` accepts (while any remain), keeping the ranker's order within each group.
 * A candidate moved up by the rule says SIMILAR_TO_RECENT.
 */
export function reserveSessionShare(ranked: readonly Candidate[], inSession: (productId: string) => boolean, share: number): Candidate[] {
  const session: number[] = [];
  const others: number[] = [];
  ranked.forEach((candidate, index) => (inSession(candidate.productId) ? session : others).push(index));
  if (session.length === 0 || share <= 0) return [...ranked];
  const out: Candidate[] = [];
  let s = 0;
  let o = 0;
  while (s < session.length || o < others.length) {
    const naturallyNext = s < session.length && (o >= others.length || session[s] < others[o]);
    const owed = s < session.length && Math.ceil(share * (out.length + 1)) > s;
    if (naturallyNext) out.push(ranked[session[s++]]);
    else if (owed) out.push({ ...ranked[session[s++]], reason: RecommendationReason.SIMILAR_TO_RECENT });
    else out.push(ranked[others[o++]]);
  }
  return out;
}
