/**
 * Runs a model in worker threads, one onnxruntime session per model instance.
 *
 * Why: onnxruntime-node's `session.run` computes on the calling thread, so in-process it blocks
 * the event loop for the whole batch — no new requests are parsed, health checks stall. In a
 * worker the main thread keeps accepting and queueing requests while a batch computes, which is
 * what lets the dynamic batcher form the next batch (as Triton's does) and keeps /v2/health fast.
 *
 * The worker is a few lines of plain JavaScript (eval'd), so it runs the same from ts-jest and dist/.
 * It tries the execution providers in order and reports which one took the model and why the
 * others failed; the main thread logs that fallback.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../platform/logger';
import { installedProviders, type ExecutionProvider } from './execution-providers';
import type { TensorData, TensorMap } from './onnx-session';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
parentPort.on('message', async (message) => {
  if (message.type === 'load') {
    const failures = [];
    for (const provider of message.providers) {
      try {
        const executionProviders = provider === 'cpu' ? ['cpu'] : [provider, 'cpu'];
        session = await ort.InferenceSession.create(message.model, { graphOptimizationLevel: 'all', ...message.options, executionProviders });
        parentPort.postMessage({ type: 'loaded', provider, failures });
        return;
      } catch (error) {
        failures.push({ provider, reason: String((error && error.message) || error).split('\\n')[0].slice(0, 300) });
      }
    }
    parentPort.postMessage({ type: 'failed', failures });
  } else if (message.type === 'run') {
    try {
      const feeds = {};
      for (const [name, t] of Object.entries(message.inputs)) feeds[name] = new ort.Tensor(t.data instanceof Float32Array ? 'float32' : 'int64', t.data, t.dims);
      const results = await session.run(feeds);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(results)) {
        const data = t.data.slice();
        outputs[name] = { data, dims: t.dims.map(Number) };
        transfer.push(data.buffer);
      }
      parentPort.postMessage({ type: 'result', id: message.id, outputs }, transfer);
    } catch (error) {
      parentPort.postMessage({ type: 'error', id: message.id, message: String((error && error.message) || error) });
    }
  } else if (message.type === 'release') {
    if (session) await session.release();
    parentPort.postMessage({ type: 'released' });
  }
});
`;

interface Instance {
  worker: Worker;
  busy: number;
}

export class WorkerSession {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (o: TensorMap) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly instances: Instance[],
    readonly provider: ExecutionProvider,
  ) {
    for (const instance of instances) {
      instance.worker.on('message', (message) => {
        if (message.type !== 'result' && message.type !== 'error') return;
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        instance.busy--;
        if (message.type === 'result') call.resolve(message.outputs);
        else call.reject(new Error(message.message));
      });
      instance.worker.on('error', (error) => this.failAll(error));
    }
  }

  static async load(model: Uint8Array, providers: ExecutionProvider[], logger: Logger, instances = 1): Promise<WorkerSession> {
    const threads = Number(process.env.INFERENCE_INTRA_OP_THREADS ?? 0);
    // onnxruntime's pool threads spin while waiting for work by default; here they share the cores
    // with the event loop that parses requests, so spinning is off unless asked for.
    const spinning = process.env.INFERENCE_ALLOW_SPINNING === '1' ? '1' : '0';
    const options = {
      ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
      extra: { session: { intra_op: { allow_spinning: spinning } } },
    };
    const started: Instance[] = [];
    const tried = installedProviders(providers, logger);
    let provider: ExecutionProvider = 'cpu';
    try {
      for (let i = 0; i < Math.max(1, instances); i++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: require.resolve('onnxruntime-node') } });
        started.push({ worker, busy: 0 });
        const reply = await request<LoadReply>(worker, { type: 'load', model, providers: tried, options }, ['loaded', 'failed']);
        for (const failure of reply.failures) {
          if (i === 0) logger.warn(failure, 'execution provider unavailable, falling back to the next one');
        }
        if (reply.type === 'failed') {
          throw new Error(
            `no execution provider could run the model (${reply.failures.map((f) => `${f.provider}: ${f.reason}`).join('; ')})`,
          );
        }
        provider = reply.provider;
      }
    } catch (error) {
      await Promise.all(started.map((s) => s.worker.terminate()));
      throw error;
    }
    return new WorkerSession(started, provider);
  }

  run(inputs: TensorMap): Promise<TensorMap> {
    const instance = this.instances.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    return new Promise<TensorMap>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      instance.busy++;
      // Inputs were built for this batch alone, so their buffers can move to the worker without a copy.
      const transfer = Object.values(inputs).map((t: { data: TensorData }) => t.data.buffer as ArrayBuffer);
      instance.worker.postMessage({ type: 'run', id, inputs }, transfer);
    });
  }

  async release(): Promise<void> {
    await Promise.all(
      this.instances.map(async ({ worker }) => {
        await request(worker, { type: 'release' }, ['released']).catch(() => undefined);
        await worker.terminate();
      }),
    );
  }

  private failAll(error: Error): void {
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }
}

/** What a worker answers to 'load': the provider it runs on, and every provider that failed before it. */
type LoadReply =
  | { type: 'loaded'; provider: ExecutionProvider; failures: { provider: string; reason: string }[] }
  | { type: 'failed'; failures: { provider: string; reason: string }[] };

function request<T>(worker: Worker, message: object, replies: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { type: string }) => {
      if (!replies.includes(reply.type)) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(reply as T);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(message);
  });
}
