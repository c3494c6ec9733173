/**
 * @jest-environment ./inference/test/ort-environment.js
 */
import pino from 'pino';
import type * as ort from 'onnxruntime-node';
import { randomModel } from '../test/helpers';
import { recommenderOnnx } from '../../training/export-models';
import { createSessionWithFallback, installedProviders, NoExecutionProvider } from './execution-providers';
import { WorkerSession } from './worker-session';

const captured = (level: pino.Level) => {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) }) };
};

describe('execution providers', () => {
  const onnx = recommenderOnnx(randomModel(3, 4, 10, 4), 4, 10, 3);

  it('tries providers in order and reports why the ones before the winner failed', async () => {
    // Which accelerators fail depends on the machine, so the session factory decides here.
    const create = async (_model: Uint8Array, options: ort.InferenceSession.SessionOptions) => {
      if (options.executionProviders?.[0] === 'cuda') throw new Error('CUDA driver not found\nnative stack …');
      return { release: async () => undefined } as ort.InferenceSession;
    };
    const created = await createSessionWithFallback(onnx, ['cuda', 'webgpu', 'cpu'], {}, create);
    expect(created.provider).toBe('webgpu');
    expect(created.failures).toEqual([{ provider: 'cuda', reason: 'CUDA driver not found' }]);
  });

  it('names every provider that failed when none can run the model', async () => {
    const create = async () => Promise.reject(new Error('no device'));
    const error = await createSessionWithFallback(onnx, ['cuda', 'cpu'], {}, create).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoExecutionProvider);
    expect((error as Error).message).toBe('no execution provider could run the model (cuda: no device; cpu: no device)');
  });

  it('never tries a provider this onnxruntime build lacks, which it would silently replace by the CPU', () => {
    const { lines, logger } = captured('info');
    expect(installedProviders(['dml', 'coreml', 'cpu'], logger)).toEqual(['cpu']);
    expect(lines.map((line) => line.provider)).toEqual(['dml', 'coreml']);
  });

  it('runs models in session workers on the provider that took them', async () => {
    const session = await WorkerSession.load(onnx, ['dml', 'cpu'], pino({ level: 'silent' }), 2);
    try {
      expect(session.provider).toBe('cpu');
      const outputs = await session.run({
        user_index: { data: BigInt64Array.from([0n, 1n]), dims: [2, 1] },
        exclude: { data: BigInt64Array.from([-1n, -1n]), dims: [2, 1] },
      });
      expect(outputs.item_index.dims).toEqual([2, 3]);
    } finally {
      await session.release();
    }
  });
});
