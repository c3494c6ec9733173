/**
 * Reference rows that read the order of a user's history, not only its set, so that the served
 * two-stage pipeline (which does) is also compared with simple order-aware methods:
 *
 * - recency-weighted EASE: Σ over the user's training rows of exp(−age/20)·B[item, :], age 0 for
 *   the latest row, 1 for the one before, … (B: EASE's weights from baselines.ts);
 * - first-order transitions: P(j | i) = (times j directly followed i in a user's time-ordered
 *   history) / (times i was directly followed by anything), summed over the user's last five items;
 * - a blend of the two, each min–max normalised over the user's candidates first.
 *
 * The constants were fixed by the issue that asked for these rows, not tuned on any split.
 */
import type { Interaction, InteractionMatrix } from '../interactions';
import { trainTransitions } from '../sequence-models';
import { userSequences } from '../two-stage';
import type { UserScorer } from './baselines';

export const RECENCY_SCALE = 20;
export const LAST_ITEMS = 5;
export const EASE_SHARE = 0.7;
export const TRANSITIONS_SHARE = 0.3;

/** Each matrix user's item indices, oldest first, ties in the order of `interactions` (as the two-stage training orders them). */
export function userHistories(matrix: InteractionMatrix, interactions: readonly Interaction[]): number[][] {
  const sequences = userSequences(interactions, matrix.items);
  return matrix.users.map((user) => (sequences.get(user) ?? []).map((e) => e.index));
}

/** score(u) = Σ_p exp(−age_p / scale)·W[item_p, :], age 0 for the user's latest row. */
export function recencyWeighted(
  weights: Float64Array,
  numItems: number,
  histories: readonly (readonly number[])[],
  scale = RECENCY_SCALE,
): UserScorer {
  const n = numItems;
  return (user) => {
    const history = histories[user];
    const scores = new Float64Array(n);
    history.forEach((item, p) => {
      const w = Math.exp(-(history.length - 1 - p) / scale);
      const row = weights.subarray(item * n, (item + 1) * n);
      for (let j = 0; j < n; j++) scores[j] += w * row[j];
    });
    return scores;
  };
}

/**
 * score(u)[j] = Σ over the user's last `last` items i of P(j | i), first-order transitions from
 * `histories`. It is sequence-models' transition model with a one-step window (so weights are plain
 * counts of "j came right after i") and room for every successor, so its out-degree normalisation
 * is the exact P(j | i); like it, an item followed by itself is not counted.
 */
export function lastItemsTransitions(histories: readonly (readonly number[])[], numItems: number, last = LAST_ITEMS): UserScorer {
  const model = trainTransitions(
    histories.map((h) => [...h]),
    numItems,
    { window: 1, decay: 1, width: Math.max(1, numItems) },
  );
  const { width, neighbours, normalized } = model;
  return (user) => {
    const scores = new Float64Array(numItems);
    for (const item of histories[user].slice(-last)) {
      for (let slot = 0; slot < width; slot++) {
        const next = neighbours[item * width + slot];
        if (next < 0) break;
        scores[next] += normalized![item * width + slot];
      }
    }
    return scores;
  };
}

/**
 * Σ share·minmax(scorer(u)) where minmax maps the user's candidates (items not in their history)
 * onto 0..1; a scorer constant over the candidates contributes 0. Non-candidates score 0: they are
 * never ranked.
 */
export function minMaxBlend(
  parts: readonly { scorer: UserScorer; share: number }[],
  histories: readonly (readonly number[])[],
  numItems: number,
): UserScorer {
  return (user) => {
    const seen = new Set(histories[user]);
    const blended = new Float64Array(numItems);
    for (const { scorer, share } of parts) {
      const scores = scorer(user);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < numItems; i++) {
        if (seen.has(i)) continue;
        min = Math.min(min, scores[i]);
        max = Math.max(max, scores[i]);
      }
      if (!(max > min)) continue;
      for (let i = 0; i < numItems; i++) if (!seen.has(i)) blended[i] += (share * (scores[i] - min)) / (max - min);
    }
    return blended;
  };
}

/** The two order-aware reference rows from EASE's weights B and the training histories. */
export function easeRecencyRows(
  easeB: Float64Array,
  histories: readonly (readonly number[])[],
  numItems: number,
): { easeRecency: UserScorer; easeRecencyTransitions: UserScorer } {
  const easeRecency = recencyWeighted(easeB, numItems, histories);
  const transitions = lastItemsTransitions(histories, numItems);
  return {
    easeRecency,
    easeRecencyTransitions: minMaxBlend(
      [
        { scorer: easeRecency, share: EASE_SHARE },
        { scorer: transitions, share: TRANSITIONS_SHARE },
      ],
      histories,
      numItems,
    ),
  };
}
