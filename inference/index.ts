/**
 * The inference service: an Open Inference Protocol server over a Triton-style model repository.
 * Training and publishing models is training/'s job; this serves what it publishes.
 *
 * `startInferenceServer` serves both the standalone entry (main.ts) and the platform's
 * single-process `npm start`; port 0 picks a free port (tests).
 */
import * as grpc from '@grpc/grpc-js';
import { loadConfig } from '../platform/config';
import { createHttpHost } from '../platform/http';
import { serviceLogger, type Logger } from '../platform/logger';
import type { ServiceTracing } from '../platform/telemetry';
import { ModelStore } from './repository/model-store';
import { executionProvidersFromEnv, type ExecutionProvider } from './runtime/execution-providers';
import { createInferenceApp } from './server/app';
import { createGrpcServer, grpcMessageLimit } from './server/grpc-server';
import { InFlightLimit } from './server/in-flight';

export interface InferenceServerOptions {
  port?: number;
  /** The gRPC port (INFERENCE_GRPC_PORT, default 8001); 0 when `port` is 0, so tests get free ports for both. */
  grpcPort?: number;
  host?: string;
  modelRepository?: string;
  /** Tried in order with fallback; default from INFERENCE_EXECUTION_PROVIDERS or cuda,webgpu,cpu. */
  executionProviders?: ExecutionProvider[];
  /** How often the repository is re-read for new versions and config changes (0 = never). */
  pollIntervalMs?: number;
  /** Queue bound for models whose config sets none. */
  maxQueueSize?: number;
  /** Queue timeout for models whose config sets none. */
  queueTimeoutMs?: number;
  /** Infer requests held at once, HTTP and gRPC together (default INFERENCE_MAX_IN_FLIGHT). */
  maxInFlight?: number;
  logger?: Logger;
  /** The server's tracer when tracing is on (platform/telemetry): HTTP infer requests, queue waits and batches are traced. */
  tracing?: ServiceTracing;
}

export interface RunningInferenceServer {
  url: string;
  port: number;
  /** host:port of the gRPC service. */
  grpcAddress: string;
  grpcPort: number;
  store: ModelStore;
  /** Infer requests held now (HTTP and gRPC): accepted, not yet answered. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startInferenceServer(options: InferenceServerOptions = {}): Promise<RunningInferenceServer> {
  const config = loadConfig();
  const logger = options.logger ?? serviceLogger('inference');
  const store = new ModelStore(options.modelRepository ?? config.modelRepository, {
    providers: options.executionProviders ?? executionProvidersFromEnv(),
    logger,
    pollIntervalMs: options.pollIntervalMs ?? config.inference.pollIntervalMs,
    defaults: { maxQueueSize: options.maxQueueSize ?? 4096, timeoutMs: options.queueTimeoutMs ?? 10_000, maxQueueDelayMs: 1 },
    tracer: options.tracing?.tracer,
  });
  await store.start();
  const inFlight = new InFlightLimit(options.maxInFlight ?? config.inference.maxInFlight);
  // The platform's host gives /healthz, /readyz, /metrics, request timing and keep-alive; the Open
  // Inference Protocol routes, with their own not-found and error answers, are mounted behind them.
  const httpHost = createHttpHost({
    service: 'inference',
    ready: async () => store.ready(),
    log: logger,
    // Callers (the recommendations subgraph) fall back on their own: close cuts requests at once.
    drainMs: 0,
  });
  httpHost.app.use(createInferenceApp(store, { logger, inFlight, tracing: options.tracing }));
  const host = options.host ?? config.host;
  let port: number;
  let url: string;
  try {
    ({ port, url } = await httpHost.listen(options.port ?? config.ports.inference, host));
  } catch (error) {
    await store.close();
    throw error;
  }
  // Fixed for the server's life (grpc-js takes it once): a model published later that needs more
  // is served whole over HTTP, and over gRPC after a restart (docs/operations.md, "Inference request limits").
  const maxMessageBytes = grpcMessageLimit(store);
  const grpcServer = createGrpcServer(store, { logger, inFlight, maxMessageBytes, tracing: options.tracing });
  const grpcHost = host.includes(':') ? `[${host}]` : host;
  let grpcPort: number;
  try {
    grpcPort = await new Promise<number>((resolve, reject) => {
      const wanted = options.grpcPort ?? (options.port === 0 ? 0 : config.ports.inferenceGrpc);
      grpcServer.bindAsync(`${grpcHost}:${wanted}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
  } catch (error) {
    await httpHost.close();
    await store.close();
    throw error;
  }
  const grpcAddress = `${grpcHost}:${grpcPort}`;
  logger.info(
    { url, grpc: grpcAddress, repository: store.repository, models: store.modelNames(), maxInFlight: inFlight.max, maxMessageBytes },
    'inference server listening',
  );
  return {
    url,
    port,
    grpcAddress,
    grpcPort,
    store,
    inFlight: () => inFlight.inFlight,
    close: async () => {
      // gRPC calls in flight get a moment to finish, then are cancelled: shutdown is bounded.
      const grpcClosed = new Promise<void>((resolve) => {
        const force = setTimeout(() => grpcServer.forceShutdown(), 2_000);
        grpcServer.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await httpHost.close();
      await grpcClosed;
      await store.close();
    },
  };
}

export { ModelStore } from './repository/model-store';
export { publishModelVersion, readIdMaps, listVersions } from './repository/model-repository';
export type { ModelConfig } from './repository/model-config';
