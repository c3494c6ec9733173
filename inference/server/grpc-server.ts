/**
 * The Open Inference Protocol over gRPC (GRPCInferenceService, grpc-proto.ts) beside HTTP, as
 * Triton serves it on port 8001 — most Triton and KServe clients default to it. Same store, same
 * batcher (runInference), same validation and error messages; an InferenceError maps to the gRPC
 * status of its HTTP status (400 → INVALID_ARGUMENT, 503 → UNAVAILABLE, else INTERNAL), with the
 * platform error code in the trailing metadata `error-code`.
 *
 * Tensors come as typed `contents` (int64_contents, fp32_contents) or as `raw_input_contents`
 * (little-endian bytes, one entry per input: what tritonclient sends); outputs always go back as
 * `raw_output_contents`, as Triton answers.
 */
import * as grpc from '@grpc/grpc-js';
import { InferenceError, badRequest } from '../errors';
import type { ModelStore } from '../repository/model-store';
import type { OipDataType, OipInferRequest } from '../../platform/oip';
import { SERVER_EXTENSIONS, SERVER_NAME, SERVER_VERSION, modelMetadata } from './app';
import { decodeElements, encodeElements } from './binary-tensors';
import { loadOipPackage } from './grpc-proto';
import { runInference } from './run-inference';

type Parameter = { parameter_choice?: string } & Record<string, unknown>;
interface GrpcTensor {
  name: string;
  datatype: OipDataType;
  shape: number[];
  parameters?: Record<string, Parameter>;
  contents?: { int64_contents?: number[]; fp32_contents?: number[] } | null;
}
interface GrpcInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: Record<string, Parameter>;
  inputs: GrpcTensor[];
  outputs: { name: string }[];
  raw_input_contents: Buffer[];
}

const MESSAGE_LIMIT = 64 * 1024 * 1024;

export function createGrpcServer(store: ModelStore): grpc.Server {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the loaded package is typed by the .proto, not TypeScript
  const service = (grpc.loadPackageDefinition(loadOipPackage()) as any).inference.GRPCInferenceService.service as grpc.ServiceDefinition;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MESSAGE_LIMIT, 'grpc.max_send_message_length': MESSAGE_LIMIT });
  server.addService(service, {
    ServerLive: unary(async () => ({ live: true })),
    ServerReady: unary(async () => ({ ready: store.ready() })),
    ServerMetadata: unary(async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: SERVER_EXTENSIONS })),
    ModelReady: unary(async (request: { name: string; version: string }) => {
      store.resolve(request.name, request.version || undefined, undefined);
      return { ready: true };
    }),
    ModelMetadata: unary(async (request: { name: string; version: string }) => {
      const target = store.resolve(request.name, request.version || undefined, undefined);
      const { parameters: _httpOnly, ...metadata } = modelMetadata(store, target, request.version !== '');
      return metadata;
    }),
    ModelInfer: unary(async (request: GrpcInferRequest) => {
      const result = await runInference(store, request.model_name, request.model_version || undefined, toOipRequest(request));
      return {
        model_name: result.model,
        model_version: result.version,
        id: result.id ?? '',
        parameters: { execution_provider: { string_param: result.provider } },
        outputs: result.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape })),
        raw_output_contents: result.outputs.map(({ datatype, values }) => encodeElements(datatype, values)),
      };
    }),
  });
  return server;
}

/** The gRPC request as the REST body runInference validates: same checks, same messages. */
function toOipRequest(request: GrpcInferRequest): OipInferRequest {
  const raw = request.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== request.inputs.length) {
    throw badRequest(`raw_input_contents has ${raw.length} entries but there are ${request.inputs.length} inputs`);
  }
  return {
    ...(request.id ? { id: request.id } : {}),
    parameters: plainParameters(request.parameters),
    inputs: request.inputs.map((tensor, i) => {
      if (raw.length > 0 && tensor.contents) throw badRequest(`input "${tensor.name}" has both contents and raw_input_contents`);
      return {
        name: tensor.name,
        datatype: tensor.datatype,
        shape: tensor.shape.map(Number),
        data: raw.length > 0 ? decodeElements(tensor.name, tensor.datatype, raw[i]) : contentsOf(tensor),
      };
    }),
    ...(request.outputs?.length ? { outputs: request.outputs.map(({ name }) => ({ name })) } : {}),
  };
}

function contentsOf(tensor: GrpcTensor): number[] {
  const contents = tensor.contents ?? {};
  if (tensor.datatype === 'INT64') return (contents.int64_contents ?? []).map(Number);
  if (tensor.datatype === 'FP32') return contents.fp32_contents ?? [];
  return []; // validation names the datatype the input needs
}

/** InferParameter ({string_param: "x"}) → "x", as the REST body carries parameters. */
function plainParameters(parameters: Record<string, Parameter> | undefined): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parameters ?? {})) if (value.parameter_choice) plain[key] = value[value.parameter_choice];
  return plain;
}

function unary<Req, Res>(handler: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatus(error)),
    );
  };
}

function toStatus(error: unknown): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  if (error instanceof InferenceError) {
    metadata.set('error-code', error.code);
    const code =
      error.status === 400 ? grpc.status.INVALID_ARGUMENT : error.status === 503 ? grpc.status.UNAVAILABLE : grpc.status.INTERNAL;
    return { code, details: error.message, metadata };
  }
  metadata.set('error-code', 'INTERNAL_SERVER_ERROR');
  return { code: grpc.status.INTERNAL, details: `internal error: ${(error as Error)?.message ?? String(error)}`, metadata };
}
