/**
 * Interactions, where they come from, and the sparse user × item matrix training works on.
 * The platform feeds orders (weight 1 per purchased product) or MovieLens ratings through the
 * same `InteractionSource` interface.
 */
export interface Interaction {
  userId: string;
  itemId: string;
  /** Milliseconds or seconds since the epoch; only the order matters. */
  timestamp: number;
  weight: number;
}

export interface InteractionSource {
  load(): Promise<Interaction[]>;
  /** Content tokens per item (e.g. "genre:Drama", "category:books"), for content recall. */
  content?(): Promise<Map<string, string[]>>;
  /** Users erased from the source: publishing blanks them in the id maps of the versions it keeps. */
  erasedUserIds?(): Promise<string[]>;
}

/** Compressed sparse rows: row r's entries are indices/values[indptr[r] .. indptr[r+1]). */
export interface SparseRows {
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

export interface InteractionMatrix {
  users: string[];
  items: string[];
  /** user → items (summed weights). */
  byUser: SparseRows;
  /** item → users, the transpose. */
  byItem: SparseRows;
}

/**
 * Builds the matrix. `userIds`/`itemIds` fix the rows/columns (so products nobody bought yet still
 * get a column); ids not listed there are appended in first-seen order. Repeated pairs add up.
 */
export function buildInteractionMatrix(
  interactions: Interaction[],
  ids: { userIds?: string[]; itemIds?: string[] } = {},
): InteractionMatrix {
  const users = [...new Set(ids.userIds ?? [])];
  const items = [...new Set(ids.itemIds ?? [])];
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const itemIndex = new Map(items.map((it, i) => [it, i]));
  const cells = new Map<number, number>();
  const pairs: [number, number][] = [];
  for (const { userId, itemId, weight } of interactions) {
    let u = userIndex.get(userId);
    if (u === undefined) userIndex.set(userId, (u = users.push(userId) - 1));
    let i = itemIndex.get(itemId);
    if (i === undefined) itemIndex.set(itemId, (i = items.push(itemId) - 1));
    pairs.push([u, i]);
    const key = u * 0x100000 + i;
    cells.set(key, (cells.get(key) ?? 0) + weight);
  }
  const entries = [...cells.entries()].map(([key, value]) => ({ u: Math.floor(key / 0x100000), i: key % 0x100000, value }));
  return {
    users,
    items,
    byUser: toSparseRows(
      users.length,
      entries.map((e) => [e.u, e.i, e.value]),
    ),
    byItem: toSparseRows(
      items.length,
      entries.map((e) => [e.i, e.u, e.value]),
    ),
  };
}

function toSparseRows(rows: number, triples: [number, number, number][]): SparseRows {
  triples.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const indptr = new Int32Array(rows + 1);
  for (const [r] of triples) indptr[r + 1]++;
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  return {
    indptr,
    indices: Int32Array.from(triples, (t) => t[1]),
    values: Float32Array.from(triples, (t) => t[2]),
  };
}
