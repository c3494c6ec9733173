/**
 * What one request to a model version may be: the largest shape of each input (variable
 * dimensions included) and, from it, the largest body that can hold a valid request. A caller
 * decides how much the server allocates (a `recent_items` row of L makes the recall graphs gather
 * L × neighbours per row; a wide `exclude` row pads every co-batched row to its width), so every
 * dimension needs a ceiling before anything is read or allocated.
 *
 * The ceilings come from the config's `max_dims` (exporters write them; config.pbtxt carries them as
 * `max_dims.<input>` parameters). A model published before they existed gets one derived from its
 * own sizes: an input whose values are bounded (item indices) needs no row longer than the number
 * of distinct values, and no row longer than DEFAULT_MAX_DIM whatever the catalogue.
 */
import { OIP_TYPE, type ModelConfig, type TensorConfig } from './model-config';
import type { VersionMetadata } from './model-repository';

/**
 * The widest variable dimension a model without `max_dims` accepts. Kept low because such a model
 * says nothing of what a row costs (a recall graph gathers a row of neighbours per recent item); the
 * served config publishes it, and the recommendations subgraph cuts its lists to it, keeping the newest.
 */
export const DEFAULT_MAX_DIM = 256;

/** Room for everything in a body besides tensor data: names, datatypes, shapes, parameters, id. */
const ENVELOPE_BYTES = 64 * 1024;
/** JSON per row of a nested `data` array: brackets, comma, a line break and indentation. */
const JSON_ROW_BYTES = 16;
/** JSON per value besides its digits: separator and whitespace (pretty-printed bodies included). */
const JSON_SEPARATOR_BYTES = 8;
/** The longest JSON number a float32 prints as in JavaScript (`-1.1754943508222875e-38`). */
const FP32_JSON_CHARS = 24;
/** The longest safe integer in JSON (`-9007199254740991`). */
const INT64_JSON_CHARS = 17;
/**
 * gRPC bytes per value, worst case: an INT64 in `int64_contents` is a varint of up to 10 bytes (−1
 * takes all 10), 8 as `raw_input_contents`; an FP32 is 4 either way.
 */
const GRPC_VALUE_BYTES = { TYPE_INT64: 10, TYPE_FP32: 4 } as const;

export interface RequestLimits {
  /** Per input: the largest shape without the batch dimension. */
  maxDims: Record<string, number[]>;
  /** Where each input's ceiling came from, for error messages. */
  declared: Record<string, boolean>;
  /** The largest HTTP body a valid request needs (JSON; the binary extension needs less). */
  maxHttpBytes: number;
  /** The largest gRPC message a valid request needs (typed contents or raw bytes). */
  maxGrpcBytes: number;
}

export function requestLimits(config: ModelConfig, metadata: VersionMetadata): RequestLimits {
  const maxDims: Record<string, number[]> = {};
  const declared: Record<string, boolean> = {};
  let httpBytes = ENVELOPE_BYTES;
  let grpcBytes = ENVELOPE_BYTES;
  for (const input of config.input) {
    const bounds = metadata.input_bounds?.[input.name];
    const dims = input.max_dims ?? input.dims.map((d) => (d === -1 ? derivedMaxDim(bounds) : d));
    maxDims[input.name] = dims;
    declared[input.name] = input.max_dims !== undefined;
    const values = dims.reduce((a, b) => a * b, 1);
    httpBytes += config.max_batch_size * (JSON_ROW_BYTES + values * (jsonChars(input, bounds) + JSON_SEPARATOR_BYTES));
    grpcBytes += config.max_batch_size * values * GRPC_VALUE_BYTES[input.data_type];
  }
  return { maxDims, declared, maxHttpBytes: httpBytes, maxGrpcBytes: grpcBytes };
}

/** A config whose inputs all carry their ceiling, so a served config tells clients the limits in force. */
export function withMaxDims(config: ModelConfig, limits: RequestLimits): ModelConfig {
  return { ...config, input: config.input.map((input) => ({ ...input, max_dims: limits.maxDims[input.name] })) };
}

/** Bounded values [min, max) repeat beyond max − min: no row needs more, nor more than DEFAULT_MAX_DIM. */
function derivedMaxDim(bounds: [number, number] | undefined): number {
  if (!bounds) return DEFAULT_MAX_DIM;
  return Math.max(1, Math.min(DEFAULT_MAX_DIM, bounds[1] - bounds[0]));
}

/** Characters of the longest value a valid request can hold for `input`. */
function jsonChars(input: TensorConfig, bounds: [number, number] | undefined): number {
  if (OIP_TYPE[input.data_type] === 'FP32') return FP32_JSON_CHARS;
  if (!bounds) return INT64_JSON_CHARS;
  return Math.max(String(bounds[0]).length, String(bounds[1] - 1).length);
}
