/**
 * Triton's binary tensor data extension (extension_binary_data.md), which tritonclient uses by
 * default and which is the fast path for large tensors:
 *
 * - request: the body is a JSON header of `Inference-Header-Content-Length` bytes followed by the
 *   raw data of every input whose `parameters.binary_data_size` is set, in input order;
 * - response: outputs asked for with `parameters.binary_data: true` (or all outputs, when the
 *   request's `parameters.binary_data_output` is true) carry `parameters.binary_data_size` instead of
 *   `data`, and their bytes follow the JSON header, whose length the same header names.
 *
 * Tensors are little-endian, row-major, as the extension specifies. Inputs are decoded straight
 * into the typed array the model takes (one copy out of the body, no JS numbers in between), and
 * only once their byte size agrees with their declared shape and datatype.
 */
import { badRequest } from '../errors';
import type { TensorData } from '../runtime/onnx-session';
import { HOST_LITTLE_ENDIAN, swapElementBytes, type OipDataType, type OipInferRequest, type OipRequestTensor } from '../../platform/oip';

export const HEADER_LENGTH = 'inference-header-content-length';

/** Bytes per element of the fixed-size datatypes this server serves. */
const ELEMENT_BYTES: Partial<Record<OipDataType, number>> = { INT64: 8, FP32: 4 };

/**
 * Splits a raw body into its JSON header and binary inputs; JSON is parsed whatever the
 * Content-Type says (stock Python clients send none). Binary inputs come back with `data` filled
 * in as a BigInt64Array or Float32Array, which validation takes as is.
 */
export function decodeInferBody(body: Buffer, headerLength: string | undefined): unknown {
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    jsonEnd = Number(headerLength);
    if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.length) {
      throw badRequest(
        `Inference-Header-Content-Length ${JSON.stringify(headerLength)} must be an integer between 0 and the body size ${body.length}`,
      );
    }
  }
  let request: unknown;
  try {
    request = JSON.parse(body.subarray(0, jsonEnd).toString('utf8'));
  } catch (error) {
    throw badRequest(`request body: ${(error as Error).message}`);
  }
  const inputs = (request as OipInferRequest | null)?.inputs;
  if (!Array.isArray(inputs)) return request;

  let offset = jsonEnd;
  for (const tensor of inputs as OipRequestTensor[]) {
    const size = tensor?.parameters?.binary_data_size;
    if (size === undefined) continue;
    const name = String(tensor.name);
    if (!Number.isInteger(size) || (size as number) < 0)
      throw badRequest(`input "${name}" binary_data_size must be a non-negative integer`);
    if (tensor.data !== undefined) throw badRequest(`input "${name}" has both "data" and binary_data_size`);
    const bytes = size as number;
    if (offset + bytes > body.length) {
      throw badRequest(`input "${name}" binary_data_size ${bytes} runs past the end of the body (${body.length - offset} bytes left)`);
    }
    tensor.data = decodeElements(name, tensor.datatype, tensor.shape, body.subarray(offset, offset + bytes));
    offset += bytes;
  }
  if (offset !== body.length) throw badRequest(`${body.length - offset} bytes after the binary inputs belong to no input`);
  return request;
}

/**
 * Little-endian bytes → the typed array of `datatype`, after checking that their size is exactly
 * what `shape` holds (a wrong size is refused before anything is allocated).
 */
export function decodeElements(name: string, datatype: OipDataType, shape: unknown, bytes: Uint8Array): TensorData {
  const width = ELEMENT_BYTES[datatype];
  if (!width) throw badRequest(`input "${name}": binary data of datatype ${JSON.stringify(datatype)} is not served here (INT64, FP32)`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw badRequest(`input "${name}" needs "shape" as an array of non-negative integers`);
  }
  const values = (shape as number[]).reduce((a, b) => a * b, 1);
  if (values * width !== bytes.length) {
    throw badRequest(
      `input "${name}" has ${bytes.length} bytes of binary data but shape [${shape.join(', ')}] of ${datatype} needs ${values * width}`,
    );
  }
  const data = datatype === 'INT64' ? new BigInt64Array(values) : new Float32Array(values);
  // One copy into the array's own buffer, the only one: a typed view on the body would need the bytes
  // aligned (they rarely are) and would pin, or share, the body's buffer (Node pools small ones).
  new Uint8Array(data.buffer).set(bytes);
  if (!HOST_LITTLE_ENDIAN) swapElementBytes(data, data instanceof BigInt64Array ? 8 : 4);
  return data;
}

/** Whether the caller asked for `output` as binary data. */
export function wantsBinary(request: OipInferRequest, output: string): boolean {
  const asked = request.outputs?.find((o) => o?.name === output)?.parameters?.binary_data;
  if (typeof asked === 'boolean') return asked;
  return request.parameters?.binary_data_output === true;
}

/** Little-endian bytes of an output tensor. */
export function encodeElements(datatype: OipDataType, data: ArrayLike<number | bigint>): Buffer {
  // What a model returns is usually already the datatype's typed array: one copy of its bytes.
  const native = datatype === 'INT64' ? data instanceof BigInt64Array : data instanceof Float32Array;
  if (native && HOST_LITTLE_ENDIAN) {
    const typed = data as BigInt64Array | Float32Array;
    return Buffer.from(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
  }
  const width = ELEMENT_BYTES[datatype]!;
  const bytes = Buffer.alloc(data.length * width);
  for (let i = 0; i < data.length; i++) {
    if (datatype === 'INT64') bytes.writeBigInt64LE(BigInt(data[i]), i * width);
    else bytes.writeFloatLE(Number(data[i]), i * width);
  }
  return bytes;
}
