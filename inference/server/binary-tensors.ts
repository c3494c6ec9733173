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
 * Tensors are little-endian, row-major, as the extension specifies.
 */
import { badRequest } from '../errors';
import type { OipDataType, OipInferRequest, OipRequestTensor } from '../../platform/oip';

export const HEADER_LENGTH = 'inference-header-content-length';

/** Bytes per element of the fixed-size datatypes this server serves. */
const ELEMENT_BYTES: Partial<Record<OipDataType, number>> = { INT64: 8, FP32: 4 };

/**
 * Splits a raw body into its JSON header and binary inputs; JSON is parsed whatever the
 * Content-Type says (stock Python clients send none). Binary inputs come back with `data` filled
 * in as numbers, so the rest of validation treats both encodings alike.
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
    tensor.data = decodeElements(name, tensor.datatype, body.subarray(offset, offset + bytes));
    offset += bytes;
  }
  if (offset !== body.length) throw badRequest(`${body.length - offset} bytes after the binary inputs belong to no input`);
  return request;
}

export function decodeElements(name: string, datatype: OipDataType, bytes: Buffer): number[] {
  const width = ELEMENT_BYTES[datatype];
  if (!width) throw badRequest(`input "${name}": binary data of datatype ${JSON.stringify(datatype)} is not served here (INT64, FP32)`);
  if (bytes.length % width !== 0)
    throw badRequest(`input "${name}" binary_data_size ${bytes.length} is not a multiple of ${width} (${datatype})`);
  const values = new Array<number>(bytes.length / width);
  for (let i = 0; i < values.length; i++) {
    values[i] = datatype === 'INT64' ? Number(bytes.readBigInt64LE(i * width)) : bytes.readFloatLE(i * width);
  }
  return values;
}

/** Whether the caller asked for `output` as binary data. */
export function wantsBinary(request: OipInferRequest, output: string): boolean {
  const asked = request.outputs?.find((o) => o?.name === output)?.parameters?.binary_data;
  if (typeof asked === 'boolean') return asked;
  return request.parameters?.binary_data_output === true;
}

/** Little-endian bytes of an output tensor. */
export function encodeElements(datatype: OipDataType, data: ArrayLike<number | bigint>): Buffer {
  const width = ELEMENT_BYTES[datatype]!;
  const bytes = Buffer.alloc(data.length * width);
  for (let i = 0; i < data.length; i++) {
    if (datatype === 'INT64') bytes.writeBigInt64LE(BigInt(data[i]), i * width);
    else bytes.writeFloatLE(Number(data[i]), i * width);
  }
  return bytes;
}
