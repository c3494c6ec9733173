/**
 * Candidate merging: every recall source proposes items with a score; the merged candidate keeps,
 * per source, its score and its rank in that source's list, so the ranker sees both.
 */

export const RECALL_SOURCES = ['successors', 'neighbours', 'taste', 'content', 'trending', 'popular'] as const;
export type RecallSource = (typeof RECALL_SOURCES)[number];

export interface RecallHit {
  itemId: string;
  score: number;
}

export interface SourceEvidence {
  score: number;
  /** 0-based position in the source's list. */
  rank: number;
}

export interface MergedCandidate {
  itemId: string;
  sources: Partial<Record<RecallSource, SourceEvidence>>;
  /** Successor score normalised by each recent item's out-degree (a conditional probability). */
  successorProbability: number;
}

const SPARSE_SOURCES: ReadonlySet<RecallSource> = new Set(['successors', 'neighbours', 'content']);

/** How many items each source contributes at most (after exclusions). */
export const RECALL_DEPTH: Record<RecallSource, number> = {
  successors: 200,
  neighbours: 200,
  taste: 100,
  content: 50,
  trending: 50,
  popular: 50,
};

export interface RecallLists {
  lists: Partial<Record<RecallSource, RecallHit[]>>;
  /** Per item: successor score normalised by out-degree, when the successors source reports it. */
  successorProbability?: Map<string, number>;
}

/**
 * The union of the sources' lists, excluded items dropped, each source cut at its depth. Order:
 * first appearance in RECALL_SOURCES order, so the result is deterministic.
 */
export function mergeCandidates(recall: RecallLists, exclude: ReadonlySet<string>): MergedCandidate[] {
  const merged = new Map<string, MergedCandidate>();
  for (const source of RECALL_SOURCES) {
    const list = recall.lists[source];
    if (!list) continue;
    let rank = 0;
    for (const { itemId, score } of list) {
      if (rank >= RECALL_DEPTH[source]) break;
      // For the sparse sources a zero score is "no evidence" (an item TopK had to fill in with).
      if (exclude.has(itemId) || (SPARSE_SOURCES.has(source) && !(score > 0))) continue;
      let candidate = merged.get(itemId);
      if (!candidate) {
        candidate = { itemId, sources: {}, successorProbability: recall.successorProbability?.get(itemId) ?? 0 };
        merged.set(itemId, candidate);
      }
      candidate.sources[source] ??= { score, rank };
      rank++;
    }
  }
  return [...merged.values()];
}

/** The source that speaks loudest for a candidate (best rank), for the recommendation's reason. */
export function strongestSource(candidate: MergedCandidate): RecallSource | undefined {
  let best: RecallSource | undefined;
  for (const source of RECALL_SOURCES) {
    const evidence = candidate.sources[source];
    if (evidence && (best === undefined || evidence.rank < candidate.sources[best]!.rank)) best = source;
  }
  return best;
}
