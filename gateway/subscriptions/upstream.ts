/**
 * graphql-ws connections from the gateway to subgraphs, one per subgraph and viewer (the viewer's
 * claims travel in connection_init, signed for that subgraph with a fresh nonce per connect), multiplexing every subscription of that pair. On a
 * lost connection the client reconnects with backoff and resubscribes; only when it gives up do
 * subscribers see an error.
 */
import { createClient, type Client, type Sink } from 'graphql-ws';
import type { ExecutionResult } from 'graphql';
import WebSocket from 'ws';
import type { Logger } from '../../platform/logger';
import { CLAIMS_HEADER, signClaims } from '../../platform/forwarded-claims';
import type { Viewer } from '../../platform/viewer';

const RETRY_ATTEMPTS = 40;
const MAX_RETRY_WAIT_MS = 1_000;

export interface UpstreamRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

export const viewerKey = (viewer: Viewer): string => `${viewer.userId ?? ''}|${[...viewer.roles].sort().join(',')}`;

export class UpstreamConnections {
  private readonly connections = new Map<string, { service: string; client: Client; users: number }>();

  constructor(
    private readonly urls: Record<string, string>,
    private readonly internalSecret: string,
    private readonly log: Logger,
  ) {}

  subscribe(service: string, viewer: Viewer, request: UpstreamRequest, sink: Sink<ExecutionResult>): () => void {
    const key = `${service}|${viewerKey(viewer)}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = { service, client: this.connect(service, viewer), users: 0 };
      this.connections.set(key, connection);
    }
    connection.users++;
    const unsubscribe = connection.client.subscribe<Record<string, unknown>>(
      request,
      sink as Sink<ExecutionResult<Record<string, unknown>>>,
    );
    let released = false;
    return () => {
      if (released) return;
      released = true;
      unsubscribe();
      if (--connection.users === 0) {
        this.connections.delete(key);
        void this.dispose(service, connection.client);
      }
    };
  }

  private connect(service: string, viewer: Viewer): Client {
    const url = this.urls[service];
    if (!url) throw new Error(`No URL for subgraph ${service}`);
    return createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      // Called on every (re)connect: each connection_init carries a fresh token with its own nonce.
      connectionParams: async () => ({
        [CLAIMS_HEADER]: await signClaims(viewer, { secret: this.internalSecret, issuer: 'gateway', audience: service, channel: 'ws' }),
      }),
      lazy: true,
      keepAlive: 10_000,
      retryAttempts: RETRY_ATTEMPTS,
      // Any close is worth a retry: a subgraph restart looks like an abnormal closure.
      shouldRetry: () => true,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** retries, MAX_RETRY_WAIT_MS))),
      on: {
        connected: (_socket, _payload, wasRetry) => {
          if (wasRetry) this.log.info({ service }, 'reconnected to subgraph; subscriptions resumed');
        },
        closed: (event) => {
          const code = (event as { code?: number }).code;
          if (code !== 1000) this.log.warn({ service, code }, 'subgraph subscription connection closed');
        },
      },
    });
  }

  /**
   * graphql-ws's dispose() waits for a connection attempt in flight and rethrows its failure (a
   * subgraph restarting refuses the upgrade with 400, or the port is closed). There is nothing
   * left to close then; left unobserved, that rejection would take the gateway process down.
   */
  private async dispose(service: string, client: Client): Promise<void> {
    await Promise.resolve(client.dispose()).catch((error: unknown) => {
      this.log.debug(
        { service, error: String((error as { message?: string }).message ?? error) },
        'connection attempt failed while closing',
      );
    });
  }

  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(open.map((connection) => this.dispose(connection.service, connection.client)));
  }
}
