/**
 * The subgraph's side of the Open Inference Protocol. Requests are pinned to the latest version
 * the server reports, whose id maps (user id → row, item id → column) are read once and cached,
 * so indices and ids always come from the same model. A circuit breaker (opossum) stops calling a
 * failing server for a while and lets one trial request through to close again by itself.
 */
import CircuitBreaker from 'opossum';
import type { Logger } from '../../platform/logger';
import { inferenceCalls, inferenceRows } from './metrics';

export const RECOMMENDER = 'recommender';
export const SIMILAR_ITEMS = 'similar_items';

export interface IdMaps {
  users?: string[];
  items: string[];
  cold_start_index?: number;
}

export interface ModelHandle {
  version: string;
  ids: IdMaps;
  /** id → index lookups built once per version. */
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
}

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

export interface InferOutputs {
  version: string;
  /** Per input row: [item column, score] pairs, best first. */
  rows: { item: number; score: number }[][];
}

/** The platform's models accept up to 256 rows per request (their max_batch_size). */
export const MAX_ROWS_PER_REQUEST = 256;

export class InferenceUnavailable extends Error {
  constructor(
    readonly reason: 'timeout' | 'overloaded' | 'down' | 'circuit_open' | 'bad_response',
    detail: string,
  ) {
    super(`inference ${reason}: ${detail}`);
  }
}

export interface InferenceClientOptions {
  baseUrl: string;
  /** Whole-call deadline; past it the caller answers from popularity. */
  deadlineMs: number;
  log: Logger;
  /** How long the latest version is trusted before asking the server again. */
  versionTtlMs?: number;
  /** Failures in a row that open the circuit, and how long it stays open. */
  breaker?: { volumeThreshold?: number; resetTimeoutMs?: number };
}

export class InferenceClient {
  private readonly handles = new Map<string, Map<string, Promise<ModelHandle>>>();
  private readonly latest = new Map<string, { at: number; version: Promise<string> }>();
  private readonly breaker: CircuitBreaker<[string, string, Tensor[]], { outputs: Tensor[]; model_version: string }>;

  constructor(private readonly options: InferenceClientOptions) {
    this.breaker = new CircuitBreaker((model: string, version: string, inputs: Tensor[]) => this.post(model, version, inputs), {
      timeout: false, // the fetch has its own deadline
      errorThresholdPercentage: 50,
      volumeThreshold: options.breaker?.volumeThreshold ?? 3,
      resetTimeout: options.breaker?.resetTimeoutMs ?? 3_000,
      rollingCountTimeout: 10_000,
    });
    this.breaker.on('open', () => options.log.warn('inference circuit opened: answering from popularity'));
    this.breaker.on('close', () => options.log.info('inference circuit closed: model answers again'));
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  /** The version now served for `model` and its id maps. */
  async handle(model: string): Promise<ModelHandle> {
    const version = await this.latestVersion(model);
    let versions = this.handles.get(model);
    if (!versions) this.handles.set(model, (versions = new Map()));
    let handle = versions.get(version);
    if (!handle) {
      handle = this.getJson<IdMaps>(`/v2/models/${model}/versions/${version}/ids`).then((ids) => ({
        version,
        ids,
        userIndex: new Map((ids.users ?? []).map((id, index) => [id, index])),
        itemIndex: new Map(ids.items.map((id, index) => [id, index])),
      }));
      handle.catch(() => versions!.delete(version));
      versions.set(version, handle);
    }
    return handle;
  }

  /** Latest version of `model`, re-read from the server at most every versionTtlMs. */
  latestVersion(model: string, refresh = false): Promise<string> {
    const cached = this.latest.get(model);
    if (!refresh && cached && Date.now() - cached.at < (this.options.versionTtlMs ?? 5_000)) return cached.version;
    const version = this.getJson<{ versions: string[] }>(`/v2/models/${model}`).then((metadata) => {
      const numbers = metadata.versions.map(Number).filter(Number.isFinite);
      if (numbers.length === 0) throw new InferenceUnavailable('bad_response', `model ${model} has no version`);
      return String(Math.max(...numbers));
    });
    this.latest.set(model, { at: Date.now(), version });
    version.catch(() => this.latest.delete(model));
    return version;
  }

  /**
   * Runs `inputs` (all with the same rows). Rows beyond the model's max batch size go out as
   * several requests in parallel; up to that size, one request.
   */
  async infer(model: string, version: string, inputs: Tensor[]): Promise<InferOutputs> {
    const rows = inputs[0]?.shape[0] ?? 0;
    if (rows <= MAX_ROWS_PER_REQUEST) return this.inferOnce(model, version, inputs);
    const chunks: Tensor[][] = [];
    for (let start = 0; start < rows; start += MAX_ROWS_PER_REQUEST) {
      const end = Math.min(rows, start + MAX_ROWS_PER_REQUEST);
      chunks.push(
        inputs.map((tensor) => {
          const width = tensor.shape[1];
          return { ...tensor, shape: [end - start, width], data: tensor.data.slice(start * width, end * width) };
        }),
      );
    }
    const results = await Promise.all(chunks.map((chunk) => this.inferOnce(model, version, chunk)));
    return { version: results[0].version, rows: results.flatMap((result) => result.rows) };
  }

  private async inferOnce(model: string, version: string, inputs: Tensor[]): Promise<InferOutputs> {
    const rows = inputs[0]?.shape[0] ?? 0;
    inferenceRows.observe({ model }, rows);
    let body: { outputs: Tensor[]; model_version: string };
    try {
      body = await this.breaker.fire(model, version, inputs);
      inferenceCalls.inc({ model, outcome: 'ok' });
    } catch (error) {
      const failure =
        error instanceof InferenceUnavailable
          ? error
          : new InferenceUnavailable(this.breaker.opened ? 'circuit_open' : 'down', String((error as Error).message ?? error));
      inferenceCalls.inc({ model, outcome: failure.reason });
      throw failure;
    }
    const items = body.outputs.find((output) => output.name === 'item_index');
    const scores = body.outputs.find((output) => output.name === 'score');
    if (!items || !scores) throw new InferenceUnavailable('bad_response', 'outputs item_index and score expected');
    const k = items.shape[1];
    const result: InferOutputs['rows'] = [];
    for (let row = 0; row < rows; row++) {
      const pairs: { item: number; score: number }[] = [];
      for (let j = 0; j < k; j++) {
        const item = Number(items.data[row * k + j]);
        if (item >= 0) pairs.push({ item, score: Number(scores.data[row * k + j]) });
      }
      result.push(pairs);
    }
    return { version: body.model_version, rows: result };
  }

  private async post(model: string, version: string, inputs: Tensor[]) {
    const response = await this.fetch(`/v2/models/${model}/versions/${version}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    if (response.status === 503) throw new InferenceUnavailable('overloaded', await response.text());
    if (!response.ok) throw new InferenceUnavailable('bad_response', `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as { outputs: Tensor[]; model_version: string };
  }

  private async getJson<T>(path: string): Promise<T> {
    const response = await this.fetch(path);
    if (!response.ok)
      throw new InferenceUnavailable(response.status === 503 ? 'overloaded' : 'bad_response', `GET ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(new URL(path, this.options.baseUrl), { ...init, signal: AbortSignal.timeout(this.options.deadlineMs) });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new InferenceUnavailable(timedOut ? 'timeout' : 'down', String((error as Error).message ?? error));
    }
  }

  close(): void {
    this.breaker.shutdown();
  }
}
