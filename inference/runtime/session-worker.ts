/**
 * A session worker: one model instance in its own thread. onnxruntime-node's `session.run`
 * computes on the calling thread, so the server runs models here and its event loop keeps parsing
 * and queueing requests meanwhile (worker-session.ts is the other end of these messages).
 */
import { parentPort } from 'node:worker_threads';
import { NoExecutionProvider, type ExecutionProvider } from './execution-providers';
import { OnnxSession, type TensorMap } from './onnx-session';

export type WorkerRequest =
  | { type: 'load'; model: Uint8Array; providers: ExecutionProvider[] }
  | { type: 'run'; id: number; inputs: TensorMap }
  | { type: 'release' };

export type WorkerReply =
  | { type: 'loaded'; provider: ExecutionProvider; failures: NoExecutionProvider['failures'] }
  | { type: 'failed'; failures: NoExecutionProvider['failures']; message: string }
  | { type: 'result'; id: number; outputs: TensorMap }
  | { type: 'error'; id: number; message: string }
  | { type: 'released' };

const port = parentPort;
let session: OnnxSession | undefined;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port?.postMessage(message, transfer);

async function handle(message: WorkerRequest): Promise<void> {
  switch (message.type) {
    case 'load':
      try {
        const created = await OnnxSession.create(message.model, message.providers);
        session = created.session;
        reply({ type: 'loaded', provider: session.provider, failures: created.failures });
      } catch (error) {
        const failures = error instanceof NoExecutionProvider ? error.failures : [];
        reply({ type: 'failed', failures, message: String((error as Error).message ?? error) });
      }
      return;
    case 'run':
      try {
        if (!session) throw new Error('no model is loaded in this worker');
        const results = await session.run(message.inputs);
        // Copies out of onnxruntime's buffers, so they can move to the main thread without another copy.
        const outputs: TensorMap = {};
        for (const [name, t] of Object.entries(results)) outputs[name] = { data: t.data.slice(), dims: t.dims };
        reply(
          { type: 'result', id: message.id, outputs },
          Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer),
        );
      } catch (error) {
        reply({ type: 'error', id: message.id, message: String((error as Error).message ?? error) });
      }
      return;
    case 'release':
      await session?.release();
      session = undefined;
      reply({ type: 'released' });
  }
}

port?.on('message', (message: WorkerRequest) => void handle(message));
