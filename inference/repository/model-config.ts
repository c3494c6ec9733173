/**
 * A model's configuration, stored as `models/<name>/config.json`. Field names follow Triton's
 * ModelConfig (config.pbtxt) so the same settings carry over when Triton serves the repository;
 * `traffic_split`, `pad_value` and `max_dims` are our extensions (Triton has none of them), so the
 * config a server answers (servedConfig) carries them in ModelConfig's `parameters` map instead,
 * which any ModelConfig reader accepts.
 */
import { idsParameter, maxDimsParameter } from '../../platform/model-contract';
import type { OipDataType } from '../../platform/oip';
import { badRequest } from '../errors';

export type TritonDataType = 'TYPE_INT64' | 'TYPE_FP32';

/** Open Inference Protocol datatype names for the same types. */
export const OIP_TYPE: Record<TritonDataType, OipDataType> = { TYPE_INT64: 'INT64', TYPE_FP32: 'FP32' };

export interface TensorConfig {
  name: string;
  data_type: TritonDataType;
  /** Shape without the batch dimension; -1 means variable. */
  dims: number[];
  /** The caller may leave it out; the server fills one column of `pad_value` per row. */
  optional?: boolean;
  /** Value used to pad variable-width rows when requests are batched together. */
  pad_value?: number;
  /**
   * Extension: the largest shape (without the batch dimension) a request may send, one entry per
   * entry of `dims` (equal to it where fixed). Bounds what a caller can make the server allocate and
   * what one caller's wide row pads every co-batched row to. Absent: request-limits.ts derives one.
   */
  max_dims?: number[];
}

export interface QueuePolicy {
  max_queue_size?: number;
  default_timeout_microseconds?: number;
}

export interface DynamicBatchingConfig {
  max_queue_delay_microseconds?: number;
  preferred_batch_size?: number[];
  default_queue_policy?: QueuePolicy;
}

export type VersionPolicy = { latest: { num_versions: number } } | { specific: { versions: number[] } } | { all: Record<string, never> };

export interface ModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  max_batch_size: number;
  input: TensorConfig[];
  output: TensorConfig[];
  /** Absent: batching off, every request runs alone (still queued, still bounded). */
  dynamic_batching?: DynamicBatchingConfig;
  version_policy?: VersionPolicy;
  /** How many batches of this model may run at once. */
  instance_group?: { count: number; kind?: 'KIND_CPU' | 'KIND_GPU' | 'KIND_AUTO' }[];
  /** Extension: share of unpinned requests per version, e.g. {"3": 90, "4": 10}. */
  traffic_split?: Record<string, number>;
  /** ModelConfig's free-form map: string values only, as Triton's ModelParameter. */
  parameters?: Record<string, { string_value: string }>;
}

/**
 * The config as a server answers GET /v2/models/{m}[/versions/{v}]/config: only Triton ModelConfig
 * fields, our extensions moved into `parameters`, plus one `ids.<version>` entry per served version
 * (its id maps as JSON) — the same entries config.pbtxt carries, so a client reads the id maps the
 * same way from Triton and from us.
 */
export function servedConfig(config: ModelConfig, idsByVersion: Record<string, unknown>): Record<string, unknown> {
  const { traffic_split, parameters, input, ...rest } = config;
  const served: Record<string, { string_value: string }> = { ...parameters };
  if (traffic_split) served.traffic_split = { string_value: JSON.stringify(traffic_split) };
  for (const t of input) if (t.pad_value !== undefined) served[`pad_value.${t.name}`] = { string_value: String(t.pad_value) };
  for (const t of input) if (t.max_dims !== undefined) served[maxDimsParameter(t.name)] = { string_value: JSON.stringify(t.max_dims) };
  for (const [version, ids] of Object.entries(idsByVersion)) served[idsParameter(version)] = { string_value: JSON.stringify(ids) };
  return {
    ...rest,
    input: input.map(({ pad_value: _pad, max_dims: _max, ...t }) => t),
    ...(Object.keys(served).length ? { parameters: served } : {}),
  };
}

export function parseModelConfig(raw: unknown, folderName: string): ModelConfig {
  const config = raw as ModelConfig;
  const where = `model "${folderName}" config`;
  if (typeof config !== 'object' || config === null) throw badRequest(`${where} is not an object`);
  if (config.name !== folderName) throw badRequest(`${where}: name "${config.name}" must equal the folder name`);
  if (!Number.isInteger(config.max_batch_size) || config.max_batch_size < 1) {
    throw badRequest(`${where}: max_batch_size must be a positive integer`);
  }
  for (const list of [config.input, config.output]) {
    if (!Array.isArray(list) || list.length === 0) throw badRequest(`${where}: input and output must be non-empty lists`);
    for (const t of list) {
      if (typeof t.name !== 'string' || !(t.data_type in OIP_TYPE) || !Array.isArray(t.dims)) {
        throw badRequest(`${where}: tensor ${JSON.stringify(t)} needs name, data_type (TYPE_INT64|TYPE_FP32) and dims`);
      }
    }
  }
  for (const t of config.input) {
    if (t.max_dims === undefined) continue;
    const fits =
      Array.isArray(t.max_dims) &&
      t.max_dims.length === t.dims.length &&
      t.max_dims.every((max, i) => Number.isSafeInteger(max) && max >= 1 && (t.dims[i] === -1 || max === t.dims[i]));
    if (!fits) throw badRequest(`${where}: input "${t.name}" max_dims must give a positive integer per dims entry (equal where fixed)`);
  }
  if (config.traffic_split) {
    for (const [version, weight] of Object.entries(config.traffic_split)) {
      if (!/^\d+$/.test(version) || !(weight >= 0)) throw badRequest(`${where}: traffic_split needs version → weight ≥ 0`);
    }
  }
  return config;
}

/** Triton's config.pbtxt for the same model, written beside config.json so Triton can serve the repository as is. */
export function toPbtxt(config: ModelConfig, idsByVersion: Record<string, unknown> = {}): string {
  // `optional` is not written: our server fills a left-out input with its pad value, Triton's
  // onnxruntime backend would not, so under Triton callers always send every input.
  const tensor = (t: TensorConfig) => `  {\n    name: "${t.name}"\n    data_type: ${t.data_type}\n    dims: [ ${t.dims.join(', ')} ]\n  }`;
  const lines = [
    `name: "${config.name}"`,
    `platform: "${config.platform}"`,
    `max_batch_size: ${config.max_batch_size}`,
    `input [\n${config.input.map(tensor).join(',\n')}\n]`,
    `output [\n${config.output.map(tensor).join(',\n')}\n]`,
  ];
  const policy = config.version_policy;
  if (policy && 'latest' in policy) lines.push(`version_policy: { latest: { num_versions: ${policy.latest.num_versions} } }`);
  if (policy && 'specific' in policy) lines.push(`version_policy: { specific: { versions: [ ${policy.specific.versions.join(', ')} ] } }`);
  if (policy && 'all' in policy) lines.push('version_policy: { all: { } }');
  for (const group of config.instance_group ?? []) {
    lines.push(`instance_group [ { count: ${group.count}, kind: ${group.kind ?? 'KIND_AUTO'} } ]`);
  }
  const batching = config.dynamic_batching;
  if (batching) {
    const parts: string[] = [];
    if (batching.preferred_batch_size?.length) parts.push(`  preferred_batch_size: [ ${batching.preferred_batch_size.join(', ')} ]`);
    if (batching.max_queue_delay_microseconds !== undefined)
      parts.push(`  max_queue_delay_microseconds: ${batching.max_queue_delay_microseconds}`);
    const queue = batching.default_queue_policy;
    if (queue) {
      const q: string[] = [];
      if (queue.max_queue_size !== undefined) q.push(`max_queue_size: ${queue.max_queue_size}`);
      if (queue.default_timeout_microseconds !== undefined) {
        q.push(`default_timeout_microseconds: ${queue.default_timeout_microseconds}`, 'timeout_action: REJECT');
      }
      parts.push(`  default_queue_policy { ${q.join(' ')} }`);
    }
    lines.push(`dynamic_batching {\n${parts.join('\n')}\n}`);
  }
  const parameters = servedConfig(config, idsByVersion).parameters as Record<string, { string_value: string }> | undefined;
  for (const [key, value] of Object.entries(parameters ?? {})) {
    lines.push(`parameters {\n  key: "${pbtxtEscape(key)}"\n  value: { string_value: "${pbtxtEscape(value.string_value)}" }\n}`);
  }
  return lines.join('\n') + '\n';
}

/** A protobuf text-format string body: quotes and backslashes escaped, non-ASCII as octal UTF-8 bytes. */
function pbtxtEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22) out += '\\"';
    else if (byte === 0x5c) out += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += '\\' + byte.toString(8).padStart(3, '0');
  }
  return out;
}
