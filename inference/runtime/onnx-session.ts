/**
 * One loaded model version in onnxruntime: turns the batcher's plain typed arrays into ort
 * tensors and back. Nothing here knows about HTTP or batching.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../platform/logger';
import { createSessionWithFallback, type ExecutionProvider } from './execution-providers';

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

  static async load(model: Uint8Array, providers: ExecutionProvider[], logger: Logger): Promise<OnnxSession> {
    const threads = Number(process.env.INFERENCE_INTRA_OP_THREADS ?? 0);
    const { session, provider } = await createSessionWithFallback(
      model,
      providers,
      logger,
      threads > 0 ? { intraOpNumThreads: threads } : {},
    );
    return new OnnxSession(session, provider);
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
