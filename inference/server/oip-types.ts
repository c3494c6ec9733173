/** Open Inference Protocol (KServe v2) REST shapes, as far as this server uses them. */
export type OipDataType = 'INT64' | 'FP32' | 'BYTES' | 'BOOL' | 'INT32' | 'FP64' | string;

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
  data: number[];
}

export interface OipInferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, unknown>;
  outputs: OipResponseTensor[];
}
