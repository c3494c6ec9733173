/**
 * The recall models trained from ordered histories, and their plain-JS scorers (the reference the
 * ONNX graphs are tested against, and what ranker training queries without a server):
 *
 * - transitions: for each item, the items that followed it within a few steps in users' sequences
 *   (weight decay^(gap−1)), top-S per item, plus the out-degree-normalised weights P(next | item);
 * - co-occurrence: items taken near each other (a symmetric window), top-S per item;
 * - content: each item's one-hot content tokens (genres; category and price band).
 *
 * All are sparse per item (S neighbours), never an items × items matrix.
 */

export interface SparseNeighbours {
  numItems: number;
  width: number;
  /** [numItems × width]; -1 = empty slot. */
  neighbours: Int32Array;
  weights: Float32Array;
  normalized?: Float32Array;
}

export interface TransitionOptions {
  /** A successor counts up to this many steps after the item. */
  window: number;
  /** Weight of a successor `gap` steps later: decay^(gap−1). */
  decay: number;
  /** Neighbours kept per item. */
  width: number;
}

export const TRANSITIONS: TransitionOptions = { window: 3, decay: 0.5, width: 100 };
export const CO_OCCURRENCE: TransitionOptions = { window: 20, decay: 1, width: 100 };

/** Directed successors (with normalised weights) from item-index sequences in time order. */
export function trainTransitions(sequences: readonly number[][], numItems: number, options = TRANSITIONS): SparseNeighbours {
  const rows = Array.from({ length: numItems }, () => new Map<number, number>());
  for (const sequence of sequences) {
    for (let a = 0; a < sequence.length; a++) {
      const row = rows[sequence[a]];
      for (let b = a + 1; b < Math.min(sequence.length, a + 1 + options.window); b++) {
        if (sequence[b] === sequence[a]) continue;
        row.set(sequence[b], (row.get(sequence[b]) ?? 0) + options.decay ** (b - a - 1));
      }
    }
  }
  return topNeighbours(rows, options.width, true);
}

/** Symmetric co-occurrence within a window of positions. */
export function trainCoOccurrence(sequences: readonly number[][], numItems: number, options = CO_OCCURRENCE): SparseNeighbours {
  const rows = Array.from({ length: numItems }, () => new Map<number, number>());
  for (const sequence of sequences) {
    for (let a = 0; a < sequence.length; a++) {
      const row = rows[sequence[a]];
      const end = Math.min(sequence.length, a + 1 + options.window);
      for (let b = Math.max(0, a - options.window); b < end; b++) {
        if (sequence[b] === sequence[a]) continue;
        row.set(sequence[b], (row.get(sequence[b]) ?? 0) + 1);
      }
    }
  }
  return topNeighbours(rows, options.width, false);
}

function topNeighbours(rows: Map<number, number>[], width: number, withNormalized: boolean): SparseNeighbours {
  const n = rows.length;
  const neighbours = new Int32Array(n * width).fill(-1);
  const weights = new Float32Array(n * width);
  const normalized = withNormalized ? new Float32Array(n * width) : undefined;
  rows.forEach((row, item) => {
    let total = 0;
    for (const w of row.values()) total += w;
    const top = [...row].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, width);
    top.forEach(([other, w], slot) => {
      neighbours[item * width + slot] = other;
      weights[item * width + slot] = w;
      if (normalized) normalized[item * width + slot] = w / total;
    });
  });
  return { numItems: n, width, neighbours, weights, normalized };
}

export interface WeightedItem {
  index: number;
  weight: number;
}

export interface ScoredIndex {
  index: number;
  score: number;
  normalized: number;
}

/** The sparse model's answer in JS: Σ_recent weight · neighbour weight, excluded items dropped, best k. */
export function sparseRecall(
  model: SparseNeighbours,
  recent: readonly WeightedItem[],
  exclude: ReadonlySet<number>,
  k: number,
): ScoredIndex[] {
  const scores = new Map<number, ScoredIndex>();
  for (const { index, weight } of recent) {
    for (let slot = 0; slot < model.width; slot++) {
      const other = model.neighbours[index * model.width + slot];
      if (other < 0) break;
      if (exclude.has(other)) continue;
      let entry = scores.get(other);
      if (!entry) scores.set(other, (entry = { index: other, score: 0, normalized: 0 }));
      entry.score += weight * model.weights[index * model.width + slot];
      if (model.normalized) entry.normalized += weight * model.normalized[index * model.width + slot];
    }
  }
  return topK([...scores.values()], k);
}

export interface ContentModel {
  numItems: number;
  dims: number;
  /** [numItems × dims], rows L2-normalised (zero for items without content). */
  vectors: Float32Array;
  tokens: string[];
}

/** One-hot content vectors from each item's tokens (e.g. "genre:Drama", "category:books", "price:3"). */
export function contentModel(items: readonly string[], content: ReadonlyMap<string, readonly string[]>): ContentModel {
  const tokenIndex = new Map<string, number>();
  for (const item of items) for (const token of content.get(item) ?? []) if (!tokenIndex.has(token)) tokenIndex.set(token, tokenIndex.size);
  const dims = Math.max(1, tokenIndex.size);
  const vectors = new Float32Array(items.length * dims);
  items.forEach((item, i) => {
    const tokens = [...new Set(content.get(item) ?? [])];
    for (const token of tokens) vectors[i * dims + tokenIndex.get(token)!] = 1 / Math.sqrt(tokens.length);
  });
  return { numItems: items.length, dims, vectors, tokens: [...tokenIndex.keys()] };
}

/** Cosine of the weighted recent-items profile with every item, excluded dropped, best k (score > 0). */
export function contentRecall(
  model: ContentModel,
  recent: readonly WeightedItem[],
  exclude: ReadonlySet<number>,
  k: number,
): ScoredIndex[] {
  const { dims, vectors } = model;
  const profile = new Float64Array(dims);
  for (const { index, weight } of recent) for (let d = 0; d < dims; d++) profile[d] += weight * vectors[index * dims + d];
  const norm = Math.sqrt(profile.reduce((s, v) => s + v * v, 0)) + 1e-6;
  const scored: ScoredIndex[] = [];
  for (let i = 0; i < model.numItems; i++) {
    if (exclude.has(i)) continue;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += profile[d] * vectors[i * dims + d];
    if (dot > 0) scored.push({ index: i, score: dot / norm, normalized: 0 });
  }
  return topK(scored, k);
}

/** Best k by score; ties to the lower index, as onnxruntime's TopK breaks them. */
function topK(entries: ScoredIndex[], k: number): ScoredIndex[] {
  return entries.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}
