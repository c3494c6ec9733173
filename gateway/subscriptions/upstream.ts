/**
 * graphql-ws connections from the gateway to subgraphs, one per subgraph and viewer (the viewer's
 * signed claims travel in connection_init), multiplexing every subscription of that pair. On a
 * lost connection the client reconnects with backoff and resubscribes; only when it gives up do
 * subscribers see an error.
 */
import { createClient, type Client, type Sink } from 'graphql-ws';
import type { ExecutionResult } from 'graphql';
import WebSocket from 'ws';
import type { Logger } from '../../platform/logger';
import { viewerHeaders, type Viewer } from '../../subgraphs/kit/viewer';

const RETRY_ATTEMPTS = 40;
const MAX_RETRY_WAIT_MS = 1_000;

export interface UpstreamRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

export const viewerKey = (viewer: Viewer): string => `${viewer.userId ?? ''}|${[...viewer.roles].sort().join(',')}`;

export class UpstreamConnections {
  private readonly connections = new Map<string, { client: Client; users: number }>();

  constructor(
    private readonly urls: Record<string, string>,
    private readonly internalSecret: string,
    private readonly log: Logger,
  ) {}

  subscribe(service: string, viewer: Viewer, request: UpstreamRequest, sink: Sink<ExecutionResult>): () => void {
    const key = `${service}|${viewerKey(viewer)}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = { client: this.connect(service, viewer), users: 0 };
      this.connections.set(key, connection);
    }
    connection.users++;
    const unsubscribe = connection.client.subscribe<Record<string, unknown>>(request, sink as Sink<ExecutionResult<Record<string, unknown>>>);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      unsubscribe();
      if (--connection.users === 0) {
        this.connections.delete(key);
        void connection.client.dispose();
      }
    };
  }

  private connect(service: string, viewer: Viewer): Client {
    const url = this.urls[service];
    if (!url) throw new Error(`No URL for subgraph ${service}`);
    return createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: viewerHeaders(viewer, this.internalSecret),
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

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.client.dispose()));
    this.connections.clear();
  }
}
