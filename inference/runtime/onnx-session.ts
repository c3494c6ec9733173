/**
 * One loaded model version in onnxruntime: turns the batcher's plain typed arrays into ort
 * tensors and back. Nothing here knows about HTTP or batching. The server runs these inside
 * session workers (worker-session.ts); evaluation runs one in-process.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../platform/logger';
import {
  createSessionWithFallback,
  logFallback,
  sessionOptionsFromEnv,
  type ExecutionProvider,
  type ProviderFailure,
} from './execution-providers';

export type TensorData = BigInt64Array | Float32Array;

export interface HostTensor {
  data: TensorData;
  dims: number[];
}

export type TensorMap = Record<string, HostTensor>;

export class OnnxSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ExecutionProvider,
  ) {}

  /** A session on the first provider that takes the model, and the providers that did not. */
  static async create(
    model: Uint8Array,
    providers: ExecutionProvider[],
    options = sessionOptionsFromEnv(),
  ): Promise<{ session: OnnxSession; failures: ProviderFailure[] }> {
    const created = await createSessionWithFallback(model, providers, options);
    return { session: new OnnxSession(created.session, created.provider), failures: created.failures };
  }

  /** In-process: creates the session and logs any fallback. */
  static async load(model: Uint8Array, providers: ExecutionProvider[], logger: Logger): Promise<OnnxSession> {
    const { session, failures } = await OnnxSession.create(model, providers);
    logFallback(failures, logger);
    return session;
  }

  async run(inputs: TensorMap): Promise<TensorMap> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      feeds[name] = new ort.Tensor(t.data instanceof Float32Array ? 'float32' : 'int64', t.data, t.dims);
    }
    const results = await this.session.run(feeds);
    const outputs: TensorMap = {};
    for (const [name, t] of Object.entries(results)) {
      outputs[name] = { data: t.data as TensorData, dims: t.dims.map(Number) };
    }
    return outputs;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
