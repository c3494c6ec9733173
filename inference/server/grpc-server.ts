/**
 * The Open Inference Protocol over gRPC (GRPCInferenceService, grpc-proto.ts) beside HTTP, as
 * Triton serves it on port 8001 — most Triton and KServe clients default to it. Same store, same
 * batcher (runInference), same validation and error messages; an InferenceError maps to the gRPC
 * status of its HTTP status (400 → INVALID_ARGUMENT, 429 → RESOURCE_EXHAUSTED, 503 → UNAVAILABLE,
 * else INTERNAL with a generic message and the request id of the log line: masked-errors.ts), with
 * the platform error code in the trailing metadata `error-code`.
 *
 * Messages are bounded by what the largest valid request of the loaded models needs (request-limits.ts;
 * grpc-js refuses a bigger one with RESOURCE_EXHAUSTED before it is decoded), and ModelInfer holds an
 * in-flight slot shared with HTTP (in-flight.ts) while it runs.
 *
 * Tensors come as typed `contents` (int64_contents, fp32_contents) or as `raw_input_contents`
 * (little-endian bytes, one entry per input: what tritonclient sends); outputs always go back as
 * `raw_output_contents`, as Triton answers.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../platform/logger';
import { rpcServerSpan, type ServiceTracing } from '../../platform/telemetry';
import { InferenceError, badRequest } from '../errors';
import type { ModelStore } from '../repository/model-store';
import type { OipDataType, OipInferRequest } from '../../platform/oip';
import { SERVER_EXTENSIONS, SERVER_NAME, SERVER_VERSION, modelMetadata } from './app';
import { decodeElements, encodeElements } from './binary-tensors';
import { loadOipPackage } from './grpc-proto';
import type { InFlightLimit } from './in-flight';
import { publicError } from './masked-errors';
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

/**
 * grpc-js's own default, kept as the floor: a server started before its models are published (the
 * embedded start trains first, a deployment may not) still takes every request of the models ours exports.
 */
export const MIN_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The receive limit for a server over `store`: the largest valid request of any loaded model, fixed at start. */
export function grpcMessageLimit(store: ModelStore): number {
  return Math.max(MIN_MESSAGE_BYTES, ...store.allVersions().map((v) => v.limits.maxGrpcBytes));
}

export interface GrpcServerOptions {
  logger: Logger;
  inFlight: InFlightLimit;
  /** Largest message received (grpcMessageLimit). */
  maxMessageBytes: number;
  /** Tracing on: each ModelInfer call is a server span continuing its caller's trace (`traceparent` metadata). */
  tracing?: ServiceTracing;
}

export function createGrpcServer(store: ModelStore, { logger, inFlight, maxMessageBytes, tracing }: GrpcServerOptions): grpc.Server {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the loaded package is typed by the .proto, not TypeScript
  const service = (grpc.loadPackageDefinition(loadOipPackage()) as any).inference.GRPCInferenceService.service as grpc.ServiceDefinition;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxMessageBytes });
  const unary = <Req, Res>(method: string, handler: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> => {
    return (call, callback) => {
      handler(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, logger, method)),
      );
    };
  };
  /** `unary`, inside a server span when tracing is on. */
  const tracedUnary = <Req, Res>(method: string, handler: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> => {
    if (!tracing) return unary(method, handler);
    return (call, callback) => {
      const traceparent = call.metadata.get('traceparent')[0];
      const work = () => handler(call.request);
      rpcServerSpan(tracing, { service: GRPC_SERVICE, method }, typeof traceparent === 'string' ? traceparent : undefined, work).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toStatus(error, logger, method)),
      );
    };
  };
  server.addService(service, {
    ServerLive: unary('ServerLive', async () => ({ live: true })),
    ServerReady: unary('ServerReady', async () => ({ ready: store.ready() })),
    ServerMetadata: unary('ServerMetadata', async () => ({ name: SERVER_NAME, version: SERVER_VERSION, extensions: SERVER_EXTENSIONS })),
    ModelReady: unary('ModelReady', async (request: { name: string; version: string }) => {
      store.resolve(request.name, request.version || undefined, undefined);
      return { ready: true };
    }),
    ModelMetadata: unary('ModelMetadata', async (request: { name: string; version: string }) => {
      const target = store.resolve(request.name, request.version || undefined, undefined);
      const { parameters: _httpOnly, ...metadata } = modelMetadata(store, target, request.version !== '');
      return metadata;
    }),
    ModelInfer: tracedUnary('ModelInfer', async (request: GrpcInferRequest) => {
      const release = inFlight.acquire();
      if (release instanceof InferenceError) throw release;
      let result;
      try {
        result = await runInference(store, request.model_name, request.model_version || undefined, toOipRequest(request));
      } finally {
        release();
      }
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

/** The service's full name, as gRPC and its spans name it. */
const GRPC_SERVICE = 'inference.GRPCInferenceService';

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
        data: raw.length > 0 ? decodeElements(tensor.name, tensor.datatype, tensor.shape, raw[i]) : contentsOf(tensor),
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

function toStatus(error: unknown, logger: Logger, method: string): Partial<grpc.StatusObject> {
  const answer = publicError(error, logger, { grpc_method: method });
  const metadata = new grpc.Metadata();
  metadata.set('error-code', answer.code);
  if (answer.requestId) metadata.set('request-id', answer.requestId);
  const code =
    answer.status === 400
      ? grpc.status.INVALID_ARGUMENT
      : answer.status === 429
        ? grpc.status.RESOURCE_EXHAUSTED
        : answer.status === 503
          ? grpc.status.UNAVAILABLE
          : grpc.status.INTERNAL;
  return { code, details: answer.message, metadata };
}
