import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { parse } from 'graphql';
import { claimsHeaders } from '../platform/forwarded-claims';
import type { Logger } from '../platform/logger';
import type { Viewer } from '../platform/viewer';
import { subgraphUnavailable } from '../platform/metrics';
import type { EntityCache } from './entity-cache';
import type { PartnerIdentity } from './partner-keys';
import { createSubgraphClient, type SubgraphClient } from './subgraph-client';
import { unavailableErrors, unavailableReason } from './unavailable-errors';

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface GatewayContext {
  viewer: Viewer;
  /** The partner whose API key the request carried (partner API only). */
  partner?: PartnerIdentity;
}

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Carries the viewer from willSendRequest (which knows the context) to the fetcher (which knows
 * the final body). It never leaves the process: the fetcher swaps it for the signed token.
 */
const UNSIGNED_VIEWER = 'x-internal-unsigned-viewer';

export interface SubgraphSourceOptions {
  /** The subgraph's name in the supergraph; clients see it as `extensions.serviceName`. */
  name: string;
  url: string;
  internalSecret: string;
  /** The most one fetch may take, connect to last byte; past it the subgraph counts as unavailable. */
  timeoutMs: number;
  /** Keep-alive connections to this subgraph at most (default DEFAULT_SUBGRAPH_CONNECTIONS). */
  connections?: number;
  log: Logger;
  /** Answers the fetches the supergraph tags cacheable where it can (gateway/entity-cache); none when switched off. */
  entityCache?: EntityCache;
}

/**
 * One subgraph as the gateway calls it: forwards the verified viewer (never the client's raw
 * token) signed for that subgraph and for the exact body Apollo sends (platform/forwarded-claims.ts),
 * so every request, including Apollo's retry after a persisted-query miss, gets its own token;
 * bounds every fetch by a timeout; and turns an unreachable subgraph into SERVICE_UNAVAILABLE
 * errors on the fields it would have filled (gateway/unavailable-errors.ts). Requests go over a
 * bounded pool of keep-alive connections (gateway/subgraph-client.ts); close() ends it.
 */
export class SignedClaimsDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly source: SubgraphSourceOptions;
  /** Set while the subgraph is failing: an outage logs one line when it starts and one when it ends, not one per request. */
  private down = false;
  private readonly client: SubgraphClient;

  constructor(options: SubgraphSourceOptions) {
    super({ url: options.url });
    this.source = options;
    // The client's deadline covers the body too: a subgraph that sends headers and then stalls is cut off as well.
    this.client = createSubgraphClient(options.url, { connections: options.connections, timeoutMs: options.timeoutMs });
    const send = this.client.fetch;
    this.fetcher = (async (input: Parameters<Fetcher>[0], init?: Parameters<Fetcher>[1]) => {
      // Apollo builds init.headers as a plain object (Object.fromEntries of the request's headers).
      const headers = { ...((init?.headers ?? {}) as Record<string, string>) };
      const viewer = JSON.parse(headers[UNSIGNED_VIEWER] ?? '{"roles":[]}') as Viewer;
      delete headers[UNSIGNED_VIEWER];
      const signed = await claimsHeaders(viewer, {
        secret: options.internalSecret,
        issuer: 'gateway',
        audience: options.name,
        body: typeof init?.body === 'string' ? init.body : '',
      });
      return send(input, { ...init, headers: { ...headers, ...signed } });
    }) as Fetcher;
  }

  /** Closes the connections to the subgraph; call it once the gateway no longer sends requests. */
  close(): Promise<void> {
    return this.client.close();
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const viewer = (context as Partial<GatewayContext>).viewer ?? { roles: [] };
    request.http?.headers.set(UNSIGNED_VIEWER, JSON.stringify({ userId: viewer.userId, roles: viewer.roles }));
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { name, log, entityCache } = this.source;
    try {
      const response = entityCache ? await entityCache.process(name, options, (each) => super.process(each)) : await super.process(options);
      if (this.down) {
        this.down = false;
        log.info({ subgraph: name }, 'subgraph answers again');
      }
      return response;
    } catch (error) {
      const reason = unavailableReason(error);
      // Health checks and schema loading have no client fields to null: they keep Apollo's own error.
      if (!reason || !('incomingRequestContext' in options)) throw error;
      subgraphUnavailable.inc({ subgraph: name, reason });
      if (!this.down) {
        this.down = true;
        log.warn({ subgraph: name, reason, err: error }, 'subgraph unavailable: its fields answer null until it is back');
      }
      const { variables, query } = options.request;
      // Apollo hands the fetch's parsed operation only to some plans; the query text is always there.
      const document = options.document ?? (query ? parse(query) : undefined);
      return { errors: unavailableErrors({ serviceName: name, reason, variables, document }) };
    }
  }
}
