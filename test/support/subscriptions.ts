/** A real graphql-ws client against the gateway, collecting what a subscription receives. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A result as the client receives it (JSON: errors are plain objects). */
export interface ExecutionResult<T> {
  data?: T | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

export function wsClient(httpUrl: string, token?: string, onClose?: (code: number, reason: string) => void): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    on: { closed: (event) => onClose?.((event as { code: number }).code, String((event as { reason?: string }).reason ?? '')) },
  });
}

export interface Collected<T> {
  results: ExecutionResult<T>[];
  completed: boolean;
  error?: unknown;
  stop(): void;
  /** Resolves with the first result that satisfies `accept` (or rejects after `timeoutMs`). */
  next(accept?: (result: ExecutionResult<T>) => boolean, timeoutMs?: number): Promise<ExecutionResult<T>>;
}

export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> {
  const waiters: { accept: (r: ExecutionResult<T>) => boolean; resolve: (r: ExecutionResult<T>) => void }[] = [];
  const collected: Collected<T> = {
    results: [],
    completed: false,
    stop: () => undefined,
    next(accept = () => true, timeoutMs = 5_000) {
      const seen = collected.results.find(accept);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching subscription result within ${timeoutMs} ms (got ${JSON.stringify(collected.results)})`)),
          timeoutMs,
        );
        waiters.push({ accept, resolve: (result) => (clearTimeout(timer), resolve(result)) });
      });
    },
  };
  collected.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (received) => {
        const result = received as ExecutionResult<T>;
        collected.results.push(result);
        for (const waiter of [...waiters]) {
          if (waiter.accept(result)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(result);
          }
        }
      },
      error: (error) => {
        collected.error = error;
        collected.completed = true;
      },
      complete: () => {
        collected.completed = true;
      },
    },
  );
  return collected;
}
