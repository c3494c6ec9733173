/**
 * Open Inference Protocol (KServe v2) REST shapes: what the inference server accepts and answers
 * and what its clients send, defined once for both sides, with the byte order of the binary tensor
 * extension's data.
 */
import os from 'node:os';

/** The protocol's tensor datatypes. */
export type OipDataType =
  'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export interface OipRequestTensor {
  name: string;
  shape: number[];
  datatype: OipDataType;
  data: unknown;
  parameters?: Record<string, unknown>;
}

export interface OipInferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: OipRequestTensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

export interface OipResponseTensor {
  name: string;
  shape: number[];
  datatype: OipDataType;
  /** On the wire, absent when the tensor travels as binary data (parameters.binary_data_size); a client decodes those bytes into a typed array here. */
  data?: ArrayLike<number>;
  parameters?: Record<string, unknown>;
}

export interface OipInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: OipResponseTensor[];
}

/** Whether this host stores numbers little-endian, the order binary tensor data travels in. */
export const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Reverses the bytes of every `width`-byte element in place: the wire's little-endian order ↔ a big-endian host's. */
export function swapElementBytes(data: ArrayBufferView, width: 4 | 8): void {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (width === 8) bytes.swap64();
  else bytes.swap32();
}
