/**
 * Runs a model in worker threads, one onnxruntime session per model instance (session-worker.ts).
 *
 * Why: onnxruntime-node's `session.run` computes on the calling thread, so in-process it blocks
 * the event loop for the whole batch — no new requests are parsed, health checks stall. In a
 * worker the main thread keeps accepting and queueing requests while a batch computes, which is
 * what lets the dynamic batcher form the next batch (as Triton's does) and keeps /v2/health fast.
 * Each worker tries the execution providers in order and reports which one took the model and
 * why the others failed; this side logs that fallback.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../platform/logger';
import { installedProviders, logFallback, NoExecutionProvider, type ExecutionProvider } from './execution-providers';
import type { TensorData, TensorMap } from './onnx-session';
import type { WorkerReply, WorkerRequest } from './session-worker';

/** The compiled worker beside this module, or, where only sources exist (ts-jest), its TypeScript. */
function startWorker(): Worker {
  const compiled = path.join(__dirname, 'session-worker.js');
  if (fs.existsSync(compiled)) return new Worker(compiled);
  return new Worker(path.join(__dirname, 'ts-worker-loader.js'), { workerData: { tsEntry: path.join(__dirname, 'session-worker.ts') } });
}

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
      instance.worker.on('message', (message: WorkerReply) => {
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
    const started: Instance[] = [];
    const tried = installedProviders(providers, logger);
    let provider: ExecutionProvider = 'cpu';
    try {
      for (let i = 0; i < Math.max(1, instances); i++) {
        const worker = startWorker();
        started.push({ worker, busy: 0 });
        const reply = await request(worker, { type: 'load', model, providers: tried }, ['loaded', 'failed']);
        if (reply.type === 'failed') throw reply.failures.length > 0 ? new NoExecutionProvider(reply.failures) : new Error(reply.message);
        if (reply.type !== 'loaded') throw new Error(`unexpected reply ${reply.type} from a session worker`);
        if (i === 0) logFallback(reply.failures, logger);
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
      instance.worker.postMessage({ type: 'run', id, inputs } satisfies WorkerRequest, transfer);
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

/** Sends `message` and resolves with the worker's first reply of one of the `replies` types. */
function request(worker: Worker, message: WorkerRequest, replies: WorkerReply['type'][]): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      if (!replies.includes(reply.type)) return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve(reply);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(message);
  });
}
