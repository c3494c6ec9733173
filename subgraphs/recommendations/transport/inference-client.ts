/**
 * The subgraph's transport to an Open Inference Protocol server: metadata and inference over
 * HTTP, under the caller's deadline (an AbortSignal), behind a circuit breaker (opossum) that
 * stops calling a failing server for a while and lets one trial request through to close again by
 * itself. It knows routes and tensors, not what the models mean: that is model-client.ts.
 */
import CircuitBreaker from 'opossum';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../../../platform/logger';
import { HOST_LITTLE_ENDIAN, swapElementBytes, type OipInferResponse, type OipRequestTensor } from '../../../platform/oip';
import { clientSpan } from '../../../platform/telemetry';
import { inferenceCalls, inferenceRows } from '../metrics';

export class InferenceUnavailable extends Error {
  constructor(
    readonly reason: 'timeout' | 'overloaded' | 'down' | 'circuit_open' | 'bad_response',
    detail: string,
    /** The HTTP status a metadata read was answered with (400/404: no such model). */
    readonly status?: number,
  ) {
    super(`inference ${reason}: ${detail}`);
  }
}

/** The deadline of one operation's inference work (every request it makes shares it); what is left of a budget may be fractional or spent. */
export const deadlineAfter = (ms: number): AbortSignal => AbortSignal.timeout(Math.max(0, Math.round(ms)));

export interface InferenceClientOptions {
  baseUrl: string;
  log: Logger;
  /** How long the latest version is trusted before asking the server again. */
  versionTtlMs?: number;
  /** Failures in a row that open the circuit, and how long it stays open. */
  breaker?: { volumeThreshold?: number; resetTimeoutMs?: number };
  /** The subgraph's tracer when tracing is on: each infer call is then a client span, its trace context sent along. */
  tracer?: Tracer;
}

/** The binary tensor extension's name in a server's metadata, and its header: how many leading bytes of the body are JSON. */
const BINARY_EXTENSION = 'binary_tensor_data';
const BINARY_HEADER_LENGTH = 'inference-header-content-length';

/** How long metadata reads (versions, configs) may take when no operation's deadline applies. */
const METADATA_TIMEOUT_MS = 2_000;

export class InferenceClient {
  private readonly latest = new Map<string, { at: number; version: Promise<string> }>();
  private binary?: Promise<boolean>;
  /** Every call to the server goes through it, metadata too, so a server that is down opens it. */
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(private readonly options: InferenceClientOptions) {
    this.breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: false, // the caller's deadline aborts the fetch itself
      errorThresholdPercentage: 50,
      volumeThreshold: options.breaker?.volumeThreshold ?? 3,
      resetTimeout: options.breaker?.resetTimeoutMs ?? 3_000,
      rollingCountTimeout: 10_000,
    });
    // One line when an outage starts and one when it ends: a failed trial call re-opens the circuit
    // every few seconds while the server is away, and that is not news.
    let announcedOpen = false;
    this.breaker.on('open', () => {
      if (announcedOpen) return;
      announcedOpen = true;
      options.log.warn('inference circuit opened: answering from popularity');
    });
    this.breaker.on('close', () => {
      announcedOpen = false;
      options.log.info('inference circuit closed: model answers again');
    });
  }

  get circuitOpen(): boolean {
    return this.breaker.opened;
  }

  /**
   * Whether the server speaks the binary tensor extension, as its metadata (`GET /v2`) says: ours
   * and Triton do; a server of the bare specification does not, and is sent JSON. Asked once; a
   * failed read is asked again next time. Called inside an inference call, which the circuit
   * breaker already guards: a second, nested guard would find a half-open circuit's one trial taken.
   */
  private binaryTensors(deadline: AbortSignal): Promise<boolean> {
    this.binary ??= this.fetch('/v2', { signal: deadline }).then(async (response) => {
      if (!response.ok)
        throw new InferenceUnavailable(response.status === 503 ? 'overloaded' : 'bad_response', `GET /v2: HTTP ${response.status}`);
      const metadata = (await response.json()) as { extensions?: unknown };
      return Array.isArray(metadata.extensions) && metadata.extensions.includes(BINARY_EXTENSION);
    });
    this.binary.catch(() => (this.binary = undefined));
    return this.binary;
  }

  /** Latest version of `model`, re-read from the server at most every versionTtlMs. */
  latestVersion(model: string, refresh = false, deadline = AbortSignal.timeout(METADATA_TIMEOUT_MS)): Promise<string> {
    const cached = this.latest.get(model);
    if (!refresh && cached && Date.now() - cached.at < (this.options.versionTtlMs ?? 5_000)) return cached.version;
    const version = this.getJson<{ versions: string[] }>(`/v2/models/${model}`, deadline).then((metadata) => {
      const numbers = metadata.versions.map(Number).filter(Number.isFinite);
      if (numbers.length === 0) throw new InferenceUnavailable('bad_response', `model ${model} has no version`);
      return String(Math.max(...numbers));
    });
    this.latest.set(model, { at: Date.now(), version });
    version.catch(() => this.latest.delete(model));
    return version;
  }

  /** One inference request: all `inputs` have the same rows, at most the model's max batch size. */
  async infer(model: string, version: string, inputs: OipRequestTensor[], deadline: AbortSignal): Promise<OipInferResponse> {
    const rows = inputs[0]?.shape[0] ?? 0;
    inferenceRows.observe({ model }, rows);
    const { tracer } = this.options;
    const call = (traceHeaders?: Record<string, string>) => this.guarded(() => this.post(model, version, inputs, deadline, traceHeaders));
    try {
      const response = await (tracer
        ? clientSpan(
            tracer,
            `infer ${model}`,
            { 'inference.model': model, 'inference.model_version': version, 'inference.rows': rows },
            (traceHeaders) => call(traceHeaders),
          )
        : call());
      inferenceCalls.inc({ model, outcome: 'ok' });
      return response;
    } catch (error) {
      inferenceCalls.inc({ model, outcome: (error as InferenceUnavailable).reason });
      throw error;
    }
  }

  getJson<T>(path: string, deadline: AbortSignal): Promise<T> {
    return this.guarded(async () => {
      const response = await this.fetch(path, { signal: deadline });
      if (!response.ok) {
        throw new InferenceUnavailable(
          response.status === 503 ? 'overloaded' : 'bad_response',
          `GET ${path}: HTTP ${response.status}`,
          response.status,
        );
      }
      return (await response.json()) as T;
    });
  }

  /** Runs one call to the server through the breaker; every failure comes out as InferenceUnavailable. */
  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (error) {
      if (error instanceof InferenceUnavailable) throw error;
      throw new InferenceUnavailable(this.breaker.opened ? 'circuit_open' : 'down', String((error as Error).message ?? error));
    }
  }

  private async post(
    model: string,
    version: string,
    inputs: OipRequestTensor[],
    deadline: AbortSignal,
    traceHeaders?: Record<string, string>,
  ): Promise<OipInferResponse> {
    const { headers, body } = (await this.binaryTensors(deadline)) ? encodeInferBody(inputs) : jsonInferBody(inputs);
    const response = await this.fetch(`/v2/models/${model}/versions/${version}/infer`, {
      method: 'POST',
      headers: traceHeaders ? { ...headers, ...traceHeaders } : headers,
      body,
      signal: deadline,
    });
    // 503: its queue is full; 429: it holds as many requests as it takes (INFERENCE_MAX_IN_FLIGHT).
    // Both are a busy server, answered from popularity like any unavailable model.
    if (response.status === 503 || response.status === 429) throw new InferenceUnavailable('overloaded', await response.text());
    if (!response.ok) throw new InferenceUnavailable('bad_response', `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return decodeInferResponse(Buffer.from(await response.arrayBuffer()), response.headers.get(BINARY_HEADER_LENGTH));
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(new URL(path, this.options.baseUrl), init);
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new InferenceUnavailable(timedOut ? 'timeout' : 'down', String((error as Error).message ?? error));
    }
  }

  close(): void {
    this.breaker.shutdown();
  }
}

/**
 * The binary tensor extension both ways: the JSON header names every tensor, and the numbers
 * travel as raw little-endian bytes after it. Inputs whose data is a typed array (the ranker's
 * features, the recall models' item indices) go as bytes, and every output is asked for as bytes
 * (`binary_data_output`), which NVIDIA Triton honours too. At a 200-user operation that is
 * hundreds of thousands of numbers per request that are neither printed nor parsed as JSON.
 */
function encodeInferBody(inputs: OipRequestTensor[]): { headers: Record<string, string>; body: Buffer } {
  const binary: Buffer[] = [];
  const described = inputs.map((input) => {
    if (!(input.data instanceof Float32Array || input.data instanceof BigInt64Array)) return input;
    const bytes = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
    if (HOST_LITTLE_ENDIAN) binary.push(bytes);
    else {
      const copy = Buffer.from(bytes);
      swapElementBytes(copy, input.data instanceof BigInt64Array ? 8 : 4);
      binary.push(copy);
    }
    const { data: _data, ...rest } = input;
    return { ...rest, parameters: { ...input.parameters, binary_data_size: bytes.length } };
  });
  const header = Buffer.from(JSON.stringify({ inputs: described, parameters: { binary_data_output: true } }));
  return {
    headers: { 'content-type': 'application/octet-stream', [BINARY_HEADER_LENGTH]: String(header.length) },
    body: Buffer.concat([header, ...binary]),
  };
}

/** The bare specification's body: every tensor's data as JSON numbers. */
function jsonInferBody(inputs: OipRequestTensor[]): { headers: Record<string, string>; body: string } {
  const plain = inputs.map((input) =>
    input.data instanceof Float32Array || input.data instanceof BigInt64Array
      ? { ...input, data: Array.from(input.data as ArrayLike<number | bigint>, Number) }
      : input,
  );
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: plain }) };
}

/**
 * A response as JSON, or as a JSON header followed by the bytes of each output that carries
 * `binary_data_size`, in output order. Binary INT64 and FP32 outputs come back as typed arrays of
 * numbers (item indices fit a double exactly), so callers read them like JSON data.
 */
export function decodeInferResponse(body: Buffer, headerLength: string | null): OipInferResponse {
  const jsonEnd = headerLength === null ? body.length : Number(headerLength);
  if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.length)
    throw new InferenceUnavailable('bad_response', `binary header length ${JSON.stringify(headerLength)} does not fit the body`);
  let response: OipInferResponse;
  try {
    response = JSON.parse(body.subarray(0, jsonEnd).toString('utf8')) as OipInferResponse;
  } catch (error) {
    throw new InferenceUnavailable('bad_response', `response is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(response?.outputs)) throw new InferenceUnavailable('bad_response', 'response has no outputs');
  let offset = jsonEnd;
  for (const output of response.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || offset + size > body.length)
      throw new InferenceUnavailable('bad_response', `output ${output.name}: binary_data_size ${String(size)} does not fit the body`);
    output.data = numbersOf(output.name, output.datatype, body.subarray(offset, offset + size));
    offset += size;
  }
  return response;
}

/** Little-endian INT64 or FP32 bytes as numbers. */
function numbersOf(name: string, datatype: string, bytes: Buffer): ArrayLike<number> {
  const width = datatype === 'INT64' ? 8 : datatype === 'FP32' ? 4 : 0;
  if (width === 0 || bytes.length % width !== 0)
    throw new InferenceUnavailable('bad_response', `output ${name}: ${bytes.length} bytes of ${datatype} cannot be read`);
  // One copy into a buffer of its own: the body's bytes rarely sit at a multiple of the element
  // size, and small Buffers share Node's pool, so neither can be viewed as numbers in place.
  const own = new Uint8Array(bytes.length);
  own.set(bytes);
  // INT64 is read as pairs of 32-bit words, low word first as on the wire: every 4 bytes turn
  // around on a big-endian host, whatever the width.
  if (!HOST_LITTLE_ENDIAN) swapElementBytes(own, 4);
  if (width === 4) return new Float32Array(own.buffer);
  const words = new Int32Array(own.buffer);
  const values = new Float64Array(words.length / 2);
  // Low word unsigned, high word signed: exact for every safe integer (indices, and -1 for padding).
  for (let i = 0; i < values.length; i++) values[i] = words[2 * i + 1] * 2 ** 32 + (words[2 * i] >>> 0);
  return values;
}
