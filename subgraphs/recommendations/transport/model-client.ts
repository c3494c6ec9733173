/**
 * The recommendation models as the subgraph uses them: user and product ids in, ranked product ids
 * out. Everything tensor-shaped lives here and nowhere else: the served version's id ↔ index maps,
 * the cold-start row for users the model has never seen, padding ragged exclusion lists, decoding
 * the outputs, and splitting a batch at the max_batch_size the model publishes in its config.
 * Every request pins the version whose id maps it used, so indices and ids always match.
 *
 * It speaks only the Open Inference Protocol and Triton's model configuration extension, so an
 * unmodified Triton serving the same repository answers it the same way as our server:
 *   GET  /v2/models/{m}                        latest version (metadata `versions`)
 *   GET  /v2/models/{m}/versions/{v}/config    max_batch_size and the version's id maps, which
 *        publishing puts in ModelConfig `parameters` as `ids.<version>` (a JSON string), and the
 *        widest row each input takes (`max_dims.<input>`, a JSON array; absent: no limit known)
 *   POST /v2/models/{m}/versions/{v}/infer     every input the model declares; inputs and outputs
 *        travel as binary tensor data where the server names that extension (inference-client.ts)
 */
import {
  ERASED_USER,
  idsParameter,
  INDEX_PAD,
  maxDimsParameter,
  RECOMMENDER,
  SIMILAR_ITEMS,
  TENSORS,
  WEIGHT_PAD,
  type IdMaps,
} from '../../../platform/model-contract';
import { HOST_LITTLE_ENDIAN, type OipInferResponse, type OipRequestTensor } from '../../../platform/oip';
import { InferenceUnavailable, type InferenceClient } from './inference-client';

/** Exclusions sent per user; a heavy buyer's oldest purchases are filtered after the model instead. */
const MAX_EXCLUDED = 256;
/** Recall feeds a ranker trained on candidates with every seen item excluded: send them all, within reason. */
export const MAX_RECALL_EXCLUDED = 2048;

export interface Ranked {
  productId: string;
  score: number;
  /** A second score some recall models return (transitions: the out-degree-normalised one). */
  normalized?: number;
}

/** A recall query from a user's recent items (newest first, with weights) minus what they must not get. */
export interface RecentQuery {
  recent: { productId: string; weight: number }[];
  exclude: Iterable<string>;
}

export interface ModelAnswer<Row> {
  /** The model version that answered. */
  version: string;
  /** One row per request, in request order. */
  rows: Row[];
}

/** A served version with what it takes to speak to it in ids. */
interface Version {
  version: string;
  items: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  coldStartIndex: number;
  maxBatchSize: number;
  /** Per input, the widest row the server takes: longer lists are cut (keeping the newest) rather than refused. */
  maxWidth: (input: string) => number;
  /** Content tokens by product (content_similar publishes them); empty for other models. */
  content: Map<string, string[]>;
}

export class RecommendationModels {
  private readonly versions = new Map<string, Promise<Version>>();

  constructor(private readonly client: InferenceClient) {}

  /** False while the circuit breaker holds calls back: callers answer from popularity at once. */
  get available(): boolean {
    return !this.client.circuitOpen;
  }

  /** Long-term taste: for each user, products ranked best first, none of those in `exclude`. */
  async tasteOf(
    users: { userId: string; exclude: Iterable<string> }[],
    deadline: AbortSignal,
    maxExcluded = MAX_EXCLUDED,
  ): Promise<ModelAnswer<Ranked[]>> {
    const served = await this.served(RECOMMENDER, deadline);
    const exclusions = users.map(({ exclude }) => indicesOf(served, exclude, Math.min(maxExcluded, served.maxWidth(TENSORS.exclude))));
    const width = Math.max(1, ...exclusions.map((row) => row.length));
    const rows = await this.infer(RECOMMENDER, served, users.length, deadline, (start, end) => [
      tensor(
        TENSORS.userIndex,
        users.slice(start, end).map(({ userId }) => [served.userIndex.get(userId) ?? served.coldStartIndex]),
        1,
      ),
      tensor(TENSORS.exclude, exclusions.slice(start, end), width),
    ]);
    return { version: served.version, rows };
  }

  /** Item to item: for each product, similar products; undefined for a product newer than the model. */
  async similarTo(productIds: string[], deadline: AbortSignal): Promise<ModelAnswer<Ranked[] | undefined>> {
    const served = await this.served(SIMILAR_ITEMS, deadline);
    const known = productIds.filter((id) => served.itemIndex.has(id));
    const rows = known.length
      ? await this.infer(SIMILAR_ITEMS, served, known.length, deadline, (start, end) => [
          tensor(
            TENSORS.queryItemIndex,
            known.slice(start, end).map((id) => [served.itemIndex.get(id)!]),
            1,
          ),
          // A product is not similar to itself: spend no result slot on it.
          tensor(
            TENSORS.exclude,
            known.slice(start, end).map((id) => [served.itemIndex.get(id)!]),
            1,
          ),
        ])
      : [];
    const byProduct = new Map(known.map((id, row) => [id, rows[row]]));
    return { version: served.version, rows: productIds.map((id) => byProduct.get(id)) };
  }

  /**
   * Sequence or content recall (`transitions`, `co_occurrence`, `content_similar`): for each query,
   * products ranked best first from its recent items, none of those excluded. Recent products the
   * version does not know are left out of the query.
   */
  async recallFromRecent(model: string, queries: RecentQuery[], deadline: AbortSignal): Promise<ModelAnswer<Ranked[]>> {
    const served = await this.served(model, deadline);
    const recent = queries.map((q) =>
      q.recent
        .flatMap(({ productId, weight }) => {
          const index = served.itemIndex.get(productId);
          return index === undefined ? [] : [{ index, weight }];
        })
        .slice(0, served.maxWidth(TENSORS.recentItems)),
    );
    const exclusions = queries.map(({ exclude }) =>
      indicesOf(served, exclude, Math.min(MAX_RECALL_EXCLUDED, served.maxWidth(TENSORS.exclude))),
    );
    const recentWidth = Math.max(1, ...recent.map((row) => row.length));
    const excludeWidth = Math.max(1, ...exclusions.map((row) => row.length));
    const rows = await this.infer(model, served, queries.length, deadline, (start, end) => [
      tensor(
        TENSORS.recentItems,
        recent.slice(start, end).map((row) => row.map((r) => r.index)),
        recentWidth,
      ),
      floatTensor(
        TENSORS.recentWeights,
        recent.slice(start, end).map((row) => row.map((r) => r.weight)),
        recentWidth,
      ),
      tensor(TENSORS.exclude, exclusions.slice(start, end), excludeWidth),
    ]);
    return { version: served.version, rows };
  }

  /**
   * The ranker: one score per feature row ([rows × width], row-major), all candidates of all users
   * of an operation in one request (split only where the model's max_batch_size demands).
   */
  async rank(
    model: string,
    features: Float32Array,
    width: number,
    deadline: AbortSignal,
  ): Promise<{ version: string; scores: Float32Array }> {
    const served = await this.served(model, deadline);
    const scores = new Float32Array(features.length / width);
    await this.batched(
      model,
      served,
      scores.length,
      deadline,
      (start, end) => [
        { name: TENSORS.features, datatype: 'FP32', shape: [end - start, width], data: features.subarray(start * width, end * width) },
      ],
      (response, rows, start) => {
        const score = response.outputs.find((output) => output.name === TENSORS.score);
        if (!score?.data || score.data.length !== rows)
          throw new InferenceUnavailable('bad_response', `${model}: one score per row expected`);
        scores.set(score.data, start);
        return [];
      },
    );
    return { version: served.version, scores };
  }

  /** Content tokens per product as the served version of `model` (content_similar) publishes them. */
  async contentOf(model: string, deadline: AbortSignal): Promise<ReadonlyMap<string, readonly string[]>> {
    return (await this.served(model, deadline)).content;
  }

  /** The version of `model` now served (reads its id maps once per version, like every call). */
  async versionOf(model: string, deadline: AbortSignal): Promise<string> {
    return (await this.served(model, deadline)).version;
  }

  /** Top-k models: runs `count` rows through `batched`, each answer decoded into ranked products. */
  private infer(
    model: string,
    served: Version,
    count: number,
    deadline: AbortSignal,
    inputsFor: (start: number, end: number) => OipRequestTensor[],
  ): Promise<Ranked[][]> {
    return this.batched(model, served, count, deadline, inputsFor, (response) => decode(response, served));
  }

  /** Runs `count` rows as requests of at most the model's max batch size, in parallel, rows in order. */
  private async batched<Row>(
    model: string,
    served: Version,
    count: number,
    deadline: AbortSignal,
    inputsFor: (start: number, end: number) => OipRequestTensor[],
    /** The rows of one response, which holds rows `start` to `start + rows` of the whole batch. */
    decodeRows: (response: OipInferResponse, rows: number, start: number) => Row[],
  ): Promise<Row[]> {
    const requests: Promise<Row[]>[] = [];
    for (let start = 0; start < count; start += served.maxBatchSize) {
      const end = Math.min(count, start + served.maxBatchSize);
      requests.push(
        this.client
          .infer(model, served.version, inputsFor(start, end), deadline)
          .then((response) => decodeRows(response, end - start, start)),
      );
    }
    return (await Promise.all(requests)).flat();
  }

  /** The version now served for `model`, its id maps and batch limit, read once per version. */
  private async served(model: string, deadline: AbortSignal): Promise<Version> {
    const version = await this.client.latestVersion(model, false, deadline);
    const key = `${model}/${version}`;
    let served = this.versions.get(key);
    if (!served) {
      // The versions this replaces are no longer used: their id maps (which may name users
      // erased since) are not kept past the switch.
      for (const cached of [...this.versions.keys()]) if (cached.startsWith(`${model}/`)) this.versions.delete(cached);
      served = this.client.getJson<ServedConfig>(`/v2/models/${model}/versions/${version}/config`, deadline).then((config) => {
        const ids = idMapsOf(config, model, version);
        return {
          version,
          items: ids.items,
          userIndex: userIndexOf(ids),
          itemIndex: new Map(ids.items.map((id, index) => [id, index])),
          coldStartIndex: ids.cold_start_index ?? 0,
          content: new Map((ids.content ?? []).map((tokens, index) => [ids.items[index], tokens])),
          // 0 in a Triton config means "no batching": one row per request.
          maxBatchSize: Math.max(1, config.max_batch_size ?? 1),
          maxWidth: (input: string) => maxWidthOf(config, input),
        };
      });
      served.catch(() => this.versions.delete(key));
      this.versions.set(key, served);
    }
    return served;
  }
}

/** User id → query row; rows blanked for an erased user name nobody. */
function userIndexOf(ids: IdMaps): Map<string, number> {
  const index = new Map<string, number>();
  (ids.users ?? []).forEach((id, row) => {
    if (id !== ERASED_USER) index.set(id, row);
  });
  return index;
}

/** The part of a served ModelConfig this client reads. */
interface ServedConfig {
  max_batch_size?: number;
  parameters?: Record<string, { string_value?: string }>;
}

/**
 * The version's id maps from its config's `ids.<version>` parameter. Absent for a moment when a
 * server has loaded a version before re-reading the config that names it: that request falls back
 * and the next one asks again (a failed read is not cached).
 */
function idMapsOf(config: ServedConfig, model: string, version: string): IdMaps {
  const text = config.parameters?.[idsParameter(version)]?.string_value;
  if (text === undefined) throw new InferenceUnavailable('bad_response', `config of ${model} has no ${idsParameter(version)} parameter`);
  let ids: IdMaps;
  try {
    ids = JSON.parse(text) as IdMaps;
  } catch {
    throw new InferenceUnavailable('bad_response', `config parameter ${idsParameter(version)} of ${model} is not JSON`);
  }
  if (!Array.isArray(ids?.items))
    throw new InferenceUnavailable('bad_response', `config parameter ${idsParameter(version)} of ${model} has no items`);
  return ids;
}

/** The first `max_dims.<input>` entry the config publishes (our server always does; Triton when config.pbtxt has it). */
function maxWidthOf(config: ServedConfig, input: string): number {
  const text = config.parameters?.[maxDimsParameter(input)]?.string_value;
  if (text === undefined) return Infinity;
  try {
    const [width] = JSON.parse(text) as unknown[];
    return Number.isSafeInteger(width) && (width as number) >= 1 ? (width as number) : Infinity;
  } catch {
    return Infinity;
  }
}

/** The version's indices of the products it knows, the last `limit` of them. */
function indicesOf(served: Version, productIds: Iterable<string>, limit: number): number[] {
  return [...productIds]
    .map((productId) => served.itemIndex.get(productId))
    .filter((index): index is number => index !== undefined)
    .slice(-limit);
}

/** An FP32 input whose rows are padded with 0 to `width` columns. */
function floatTensor(name: string, rows: number[][], width: number): OipRequestTensor {
  const data = new Float32Array(rows.length * width).fill(WEIGHT_PAD);
  rows.forEach((row, i) => data.set(row, i * width));
  return { name, datatype: 'FP32', shape: [rows.length, width], data };
}

/** Where the low and high 32-bit words of a native 64-bit integer sit. */
const [LOW_WORD, HIGH_WORD] = HOST_LITTLE_ENDIAN ? [0, 1] : [1, 0];

/**
 * An INT64 input whose rows are padded to `width` columns, as native 64-bit integers (the binary
 * tensor extension sends their bytes): written as 32-bit word pairs, the value and its sign, which
 * is exact for indices and costs no BigInt per element.
 */
function tensor(name: string, rows: number[][], width: number): OipRequestTensor {
  const words = new Int32Array(rows.length * width * 2);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) {
      const value = j < row.length ? row[j] : INDEX_PAD;
      const at = 2 * (i * width + j);
      words[at + LOW_WORD] = value;
      words[at + HIGH_WORD] = value < 0 ? -1 : 0;
    }
  });
  return { name, datatype: 'INT64', shape: [rows.length, width], data: new BigInt64Array(words.buffer) };
}

/** The models answer top-K `item_index` and `score` per row; padding slots (index < 0) are dropped. */
function decode(response: OipInferResponse, served: Version): Ranked[][] {
  const items = response.outputs.find((output) => output.name === TENSORS.itemIndex);
  const scores = response.outputs.find((output) => output.name === TENSORS.score);
  const normalized = response.outputs.find((output) => output.name === TENSORS.normalizedScore)?.data;
  if (!items || !scores) throw new InferenceUnavailable('bad_response', 'outputs item_index and score expected');
  if (!items.data || !scores.data) throw new InferenceUnavailable('bad_response', 'outputs item_index and score carry no data');
  const [rows, k] = items.shape;
  const decoded: Ranked[][] = [];
  for (let row = 0; row < rows; row++) {
    const ranked: Ranked[] = [];
    for (let j = 0; j < k; j++) {
      const index = Number(items.data![row * k + j]);
      const productId = served.items[index];
      if (index < 0 || productId === undefined) continue;
      const entry: Ranked = { productId, score: Number(scores.data![row * k + j]) };
      if (normalized) entry.normalized = Number(normalized[row * k + j]);
      ranked.push(entry);
    }
    decoded.push(ranked);
  }
  return decoded;
}
