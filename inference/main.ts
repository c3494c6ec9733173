/**
 * Standalone inference server: `node dist/inference/main.js`.
 * Port, model repository and providers come from the platform config and the environment
 * (INFERENCE_PORT, MODEL_REPOSITORY, INFERENCE_EXECUTION_PROVIDERS). When started as a child
 * process with an IPC channel (the benchmark does), it reports `{url, port}` to its parent.
 */
import { loadConfig } from '../platform/config';
import { serviceLogger } from '../platform/logger';
import { closeOnSignals } from '../platform/shutdown';
import { startTelemetry } from '../platform/telemetry';
import { startInferenceServer } from './index';

async function main(): Promise<void> {
  const logger = serviceLogger('inference');
  const config = loadConfig();
  const telemetry = await startTelemetry(config.telemetry, { singleService: true, database: false });
  const server = await startInferenceServer({ logger, tracing: telemetry?.forService('inference') });
  if (server.store.modelNames().length === 0) {
    logger.warn(
      { repository: server.store.repository },
      'model repository is empty: run `npm run train` (new versions are picked up without a restart)',
    );
  }
  process.send?.({ url: server.url, port: server.port });
  const shutDown = closeOnSignals(
    logger,
    async () => {
      await server.close();
      await telemetry?.shutdown();
    },
    config.shutdownTimeoutMs,
  );
  // A parent that started it over IPC (the benchmark) and went away takes it along.
  process.once('disconnect', () => void shutDown('disconnect'));
}

main().catch((error) => {
  process.stderr.write(`inference server failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
