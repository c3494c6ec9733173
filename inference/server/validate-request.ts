/**
 * Checks an OIP infer request against the model's config and the serving version's input bounds,
 * and turns it into typed arrays for the batcher. Every rejection names the problem (which tensor,
 * which dimension, which value), so a caller can fix its request from the message alone.
 */
import { badRequest } from '../errors';
import { maxDimsParameter } from '../../platform/model-contract';
import { OIP_TYPE, type ModelConfig, type TensorConfig } from '../repository/model-config';
import type { VersionMetadata } from '../repository/model-repository';
import type { RequestLimits } from '../repository/request-limits';
import type { TensorData, TensorMap } from '../runtime/onnx-session';
import type { OipInferRequest, OipRequestTensor } from '../../platform/oip';

export interface ValidatedRequest {
  rows: number;
  inputs: TensorMap;
  /** Output names the caller asked for, in its order; all outputs when it asked for none. */
  outputs: string[];
  id?: string;
}

/** The routing key for traffic splits: `parameters.routing_key` (e.g. the user id). */
export function routingKeyOf(body: unknown): string | undefined {
  const key = (body as OipInferRequest | undefined)?.parameters?.routing_key;
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

export function validateInferRequest(
  body: unknown,
  config: ModelConfig,
  metadata: VersionMetadata,
  limits: RequestLimits,
): ValidatedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('request body must be a JSON object with "inputs"');
  const request = body as OipInferRequest;
  if (!Array.isArray(request.inputs) || request.inputs.length === 0) throw badRequest('"inputs" must be a non-empty array of tensors');

  const byName = new Map<string, OipRequestTensor>();
  for (const tensor of request.inputs) {
    if (typeof tensor !== 'object' || tensor === null || typeof tensor.name !== 'string') throw badRequest('every input needs a "name"');
    if (!config.input.some((c) => c.name === tensor.name)) {
      throw badRequest(`unknown input "${tensor.name}"; model "${config.name}" takes ${config.input.map((c) => c.name).join(', ')}`);
    }
    if (byName.has(tensor.name)) throw badRequest(`input "${tensor.name}" is given twice`);
    byName.set(tensor.name, tensor);
  }

  let rows: number | undefined;
  const inputs: TensorMap = {};
  for (const spec of config.input) {
    const tensor = byName.get(spec.name);
    if (!tensor) {
      if (!spec.optional) throw badRequest(`missing input "${spec.name}"`);
      continue;
    }
    const parsed = parseTensor(tensor, spec, config.max_batch_size, limits);
    if (rows !== undefined && parsed.dims[0] !== rows) {
      throw badRequest(`input "${spec.name}" has batch size ${parsed.dims[0]} but other inputs have ${rows}`);
    }
    rows = parsed.dims[0];
    checkBounds(spec.name, parsed.data, metadata.input_bounds[spec.name]);
    inputs[spec.name] = parsed;
  }
  if (rows === undefined)
    throw badRequest(`no required input given; model "${config.name}" takes ${config.input.map((c) => c.name).join(', ')}`);

  // Optional inputs left out get one column of their pad value ("nothing") per row.
  for (const spec of config.input) {
    if (inputs[spec.name]) continue;
    const pad = spec.pad_value ?? 0;
    inputs[spec.name] = {
      data: spec.data_type === 'TYPE_INT64' ? new BigInt64Array(rows).fill(BigInt(pad)) : new Float32Array(rows).fill(pad),
      dims: [rows, ...spec.dims.map((d) => (d === -1 ? 1 : d))],
    };
  }

  if (request.outputs !== undefined && !Array.isArray(request.outputs)) throw badRequest('"outputs" must be an array of {name}');
  const outputs = request.outputs === undefined ? config.output.map((o) => o.name) : request.outputs.map((o) => o?.name);
  for (const name of outputs) {
    if (!config.output.some((o) => o.name === name)) {
      throw badRequest(`unknown output "${name}"; model "${config.name}" has ${config.output.map((o) => o.name).join(', ')}`);
    }
  }
  return { rows, inputs, outputs, id: typeof request.id === 'string' ? request.id : undefined };
}

function parseTensor(tensor: OipRequestTensor, spec: TensorConfig, maxBatchSize: number, limits: RequestLimits): ParsedTensor {
  const name = spec.name;
  const expectedType = OIP_TYPE[spec.data_type];
  if (tensor.datatype !== expectedType)
    throw badRequest(`input "${name}" must have datatype ${expectedType}, got ${JSON.stringify(tensor.datatype)}`);
  const shape = tensor.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw badRequest(`input "${name}" needs "shape" as an array of non-negative integers`);
  }
  if (shape.length !== spec.dims.length + 1) {
    throw badRequest(
      `input "${name}" must have shape [batch, ${spec.dims.map((d) => (d === -1 ? '?' : d)).join(', ')}], got [${shape.join(', ')}]`,
    );
  }
  const batch = shape[0];
  if (batch < 1) throw badRequest(`input "${name}" has an empty batch`);
  if (batch > maxBatchSize)
    throw badRequest(`input "${name}" has batch size ${batch}, above max_batch_size ${maxBatchSize}; split the request`);
  const maxDims = limits.maxDims[name];
  spec.dims.forEach((d, i) => {
    if (d !== -1 && shape[i + 1] !== d) throw badRequest(`input "${name}" dimension ${i + 1} must be ${d}, got ${shape[i + 1]}`);
    if (d === -1 && shape[i + 1] < 1) throw badRequest(`input "${name}" dimension ${i + 1} must be at least 1`);
    // Checked before the data is looked at: the shape alone says what the request would cost.
    if (d === -1 && shape[i + 1] > maxDims[i]) {
      const source = limits.declared[name] ? `the model's ${maxDimsParameter(name)}` : 'the default for a model without max_dims';
      throw badRequest(`input "${name}" dimension ${i + 1} is ${shape[i + 1]}, above its maximum ${maxDims[i]} (${source})`);
    }
  });
  const expected = shape.reduce((a, b) => a * b, 1);
  const dims = [...shape];
  // Binary tensors arrive decoded into the typed array the model takes (binary-tensors.ts): no copy.
  const typed = typedData(tensor.data, spec);
  if (typed) {
    if (typed.length !== expected)
      throw badRequest(`input "${name}" has ${typed.length} values but shape [${shape.join(', ')}] needs ${expected}`);
    if (typed instanceof Float32Array) {
      const bad = typed.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw badRequest(`input "${name}" value #${bad} (${typed[bad]}) is not a finite number`);
    }
    return { data: typed, dims };
  }
  const values = Array.isArray(tensor.data) ? (tensor.data as unknown[]).flat(Infinity) : undefined;
  if (!values) throw badRequest(`input "${name}" needs "data" as an array`);
  if (values.length !== expected)
    throw badRequest(`input "${name}" has ${values.length} values but shape [${shape.join(', ')}] needs ${expected}`);
  const isInt = spec.data_type === 'TYPE_INT64';
  values.forEach((v, i) => {
    if (typeof v !== 'number' || (isInt ? !Number.isSafeInteger(v) : !Number.isFinite(v))) {
      throw badRequest(`input "${name}" value #${i} (${JSON.stringify(v)}) is not ${isInt ? 'an integer' : 'a finite number'}`);
    }
  });
  const numbers = values as number[];
  return { data: isInt ? BigInt64Array.from(numbers, BigInt) : Float32Array.from(numbers), dims };
}

interface ParsedTensor {
  data: TensorData;
  dims: number[];
}

/** `data` when it is already the typed array the input's datatype needs. */
function typedData(data: unknown, spec: TensorConfig): TensorData | undefined {
  if (spec.data_type === 'TYPE_INT64' && data instanceof BigInt64Array) return data;
  if (spec.data_type === 'TYPE_FP32' && data instanceof Float32Array) return data;
  return undefined;
}

function checkBounds(name: string, data: TensorData, bounds: [number, number] | undefined): void {
  if (!bounds) return;
  const [min, max] = bounds;
  let bad: number;
  if (data instanceof BigInt64Array) {
    const [low, high] = [BigInt(min), BigInt(max)];
    bad = data.findIndex((v) => v < low || v >= high);
  } else {
    bad = data.findIndex((v) => v < min || v >= max);
  }
  if (bad >= 0) throw badRequest(`input "${name}" value #${bad} (${data[bad]}) is out of range [${min}, ${max})`);
}
