import type { Logger } from './logger';

/**
 * Ctrl-C / SIGTERM close the process's services once, then exit (a second signal is ignored while
 * closing). Closing is bounded: whatever still holds it after `timeoutMs` (a peer that never
 * answers, a library that never settles), the process exits then, with code 1 and a line that says
 * so, rather than waiting for Kubernetes' SIGKILL. Returns the same shutdown for other causes (a
 * parent process that went away), named by `reason`.
 */
export function closeOnSignals(log: Logger, close: () => Promise<void>, timeoutMs: number): (reason: string) => Promise<void> {
  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal, timeoutMs }, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown did not finish in time; exiting anyway');
      process.exit(1);
    }, timeoutMs).unref();
    try {
      await close();
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return stop;
}
