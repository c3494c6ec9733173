/**
 * Execution providers, tried in the configured order (INFERENCE_EXECUTION_PROVIDERS, default
 * cuda,webgpu,cpu): the first one that creates a session wins; each failure is logged and the next
 * is tried. CPU is always the last resort, so a session is created on every machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../platform/logger';

/**
 * CUDA and TensorRT run only when onnxruntime-node's install step fetched their provider library
 * (`--onnxruntime-node-install=cuda12`); without it, trying them only prints native errors.
 */
const PROVIDER_LIBRARIES: Partial<Record<ExecutionProvider, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

function missingLibrary(provider: ExecutionProvider): string | undefined {
  const library = PROVIDER_LIBRARIES[provider];
  if (!library || process.platform !== 'linux') return undefined;
  const binaries = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return fs.existsSync(path.join(binaries, library))
    ? undefined
    : `${library} is not installed (install onnxruntime-node with --onnxruntime-node-install=cuda12)`;
}

export type ExecutionProvider = 'cuda' | 'webgpu' | 'cpu' | 'tensorrt' | 'dml' | 'coreml';
export const DEFAULT_EXECUTION_PROVIDERS: ExecutionProvider[] = ['cuda', 'webgpu', 'cpu'];

export function executionProvidersFromEnv(env: NodeJS.ProcessEnv = process.env): ExecutionProvider[] {
  const raw = env.INFERENCE_EXECUTION_PROVIDERS?.trim();
  if (!raw) return DEFAULT_EXECUTION_PROVIDERS;
  const list = raw
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean) as ExecutionProvider[];
  return list.includes('cpu') ? list : [...list, 'cpu'];
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
}

/** The providers worth trying here: those whose libraries are installed (the others are logged once). */
export function installedProviders(providers: ExecutionProvider[], logger: Logger): ExecutionProvider[] {
  return providers.filter((provider) => {
    const missing = missingLibrary(provider);
    if (missing) logger.info({ provider, reason: missing }, 'execution provider not installed, trying the next one');
    return !missing;
  });
}

export async function createSessionWithFallback(
  model: Uint8Array,
  providers: ExecutionProvider[],
  logger: Logger,
  options: ort.InferenceSession.SessionOptions = {},
): Promise<CreatedSession> {
  const errors: string[] = [];
  for (const provider of installedProviders(providers, logger)) {
    try {
      // CPU stays listed after an accelerator so nodes the accelerator lacks (e.g. TopK) still run.
      const executionProviders = provider === 'cpu' ? ['cpu'] : [provider, 'cpu'];
      const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'all', ...options, executionProviders });
      return { session, provider };
    } catch (error) {
      const reason = String((error as Error).message ?? error)
        .split('\n')[0]
        .slice(0, 300);
      errors.push(`${provider}: ${reason}`);
      logger.warn({ provider, reason }, 'execution provider unavailable, falling back to the next one');
    }
  }
  throw new Error(`no execution provider could run the model (${errors.join('; ')})`);
}
