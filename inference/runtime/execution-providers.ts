/**
 * Execution providers, tried in the configured order (INFERENCE_EXECUTION_PROVIDERS, default
 * cuda,webgpu,cpu): the first one that creates a session wins; each failure is logged and the next
 * is tried. CPU is always the last resort, so a session is created on every machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../platform/logger';
import { inferenceOptions } from '../../platform/config/options/inference';
import { openReading, readFeature } from '../../platform/config/read';

/**
 * CUDA and TensorRT run only when onnxruntime-node's install step fetched their provider library
 * (`npm run install:cuda`; package.json's allowScripts keeps the install step itself from running);
 * without it, trying them only prints native errors.
 */
const PROVIDER_LIBRARIES: Partial<Record<ExecutionProvider, string>> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

/**
 * onnxruntime drops a provider its build lacks (DirectML off Windows, CoreML off macOS) with a
 * warning and runs on CPU, so a session would claim a provider it does not use: ask the build.
 */
const BUILT_IN = new Set(ort.listSupportedBackends().map((backend) => backend.name));

function missingLibrary(provider: ExecutionProvider): string | undefined {
  if (!BUILT_IN.has(provider)) return `this onnxruntime-node build has no ${provider} provider on ${process.platform}`;
  const library = PROVIDER_LIBRARIES[provider];
  if (!library || process.platform !== 'linux') return undefined;
  const binaries = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return fs.existsSync(path.join(binaries, library)) ? undefined : `${library} is not installed ('npm run install:cuda' fetches it)`;
}

export type ExecutionProvider = 'cuda' | 'webgpu' | 'cpu' | 'tensorrt' | 'dml' | 'coreml';
export const DEFAULT_EXECUTION_PROVIDERS: ExecutionProvider[] = ['cuda', 'webgpu', 'cpu'];

/** The inference options (INFERENCE_EXECUTION_PROVIDERS, INFERENCE_INTRA_OP_THREADS, INFERENCE_ALLOW_SPINNING) as declared. */
function inferenceSettings(env: NodeJS.ProcessEnv) {
  return readFeature(openReading(env, [inferenceOptions], { strict: false }), inferenceOptions).values;
}

export function executionProvidersFromEnv(env: NodeJS.ProcessEnv = process.env): ExecutionProvider[] {
  const raw = inferenceSettings(env).INFERENCE_EXECUTION_PROVIDERS;
  if (!raw) return DEFAULT_EXECUTION_PROVIDERS;
  const list = raw
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean) as ExecutionProvider[];
  return list.includes('cpu') ? list : [...list, 'cpu'];
}

/** A provider that could not take the model, and why (first line of its error). */
export interface ProviderFailure {
  provider: ExecutionProvider;
  reason: string;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  provider: ExecutionProvider;
  /** Providers tried before the one that took the model: the caller logs the fallback. */
  failures: ProviderFailure[];
}

export class NoExecutionProvider extends Error {
  constructor(readonly failures: ProviderFailure[]) {
    super(`no execution provider could run the model (${failures.map((f) => `${f.provider}: ${f.reason}`).join('; ')})`);
  }
}

/** The providers worth trying here: those whose libraries are installed (the others are logged once). */
export function installedProviders(providers: ExecutionProvider[], logger: Logger): ExecutionProvider[] {
  return providers.filter((provider) => {
    const missing = missingLibrary(provider);
    if (missing) logger.info({ provider, reason: missing }, 'execution provider not installed, trying the next one');
    return !missing;
  });
}

/**
 * Creates a session on the first of `providers` that takes the model. Runs in the main thread
 * (evaluation) and in session workers alike, so it reports failures instead of logging them.
 */
export async function createSessionWithFallback(
  model: Uint8Array,
  providers: ExecutionProvider[],
  options: ort.InferenceSession.SessionOptions = {},
  create: (model: Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession> = (bytes, sessionOptions) =>
    ort.InferenceSession.create(bytes, sessionOptions),
): Promise<CreatedSession> {
  const failures: ProviderFailure[] = [];
  for (const provider of providers) {
    try {
      // CPU stays listed after an accelerator so nodes the accelerator lacks (e.g. TopK) still run.
      const executionProviders = provider === 'cpu' ? ['cpu'] : [provider, 'cpu'];
      const session = await create(model, { graphOptimizationLevel: 'all', ...options, executionProviders });
      return { session, provider, failures };
    } catch (error) {
      const reason = String((error as Error).message ?? error)
        .split('\n')[0]
        .slice(0, 300);
      failures.push({ provider, reason });
    }
  }
  throw new NoExecutionProvider(failures);
}

export function logFallback(failures: ProviderFailure[], logger: Logger): void {
  for (const failure of failures) logger.warn(failure, 'execution provider unavailable, falling back to the next one');
}

/**
 * Session options from the environment. onnxruntime's pool threads spin while waiting for work
 * by default; here they share the cores with the event loop that parses requests, so spinning is
 * off unless INFERENCE_ALLOW_SPINNING=1.
 */
export function sessionOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ort.InferenceSession.SessionOptions {
  const settings = inferenceSettings(env);
  const threads = settings.INFERENCE_INTRA_OP_THREADS;
  return {
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: settings.INFERENCE_ALLOW_SPINNING ? '1' : '0' } } },
  };
}
