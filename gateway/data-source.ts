import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { claimsHeaders } from '../platform/forwarded-claims';
import type { Viewer } from '../platform/viewer';

export interface GatewayContext {
  viewer: Viewer;
}

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Carries the viewer from willSendRequest (which knows the context) to the fetcher (which knows
 * the final body). It never leaves the process: the fetcher swaps it for the signed token.
 */
const UNSIGNED_VIEWER = 'x-internal-unsigned-viewer';

/**
 * Forwards the verified viewer to one subgraph (never the client's raw token), signed for that
 * subgraph and for the exact body Apollo sends (platform/forwarded-claims.ts). Every request,
 * including Apollo's retry with the full query after a persisted-query miss, gets its own token.
 */
export class SignedClaimsDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly subgraph: string,
    private readonly internalSecret: string,
  ) {
    super({ url });
    const send = this.fetcher;
    this.fetcher = (async (input: Parameters<Fetcher>[0], init?: Parameters<Fetcher>[1]) => {
      // Apollo builds init.headers as a plain object (Object.fromEntries of the request's headers).
      const headers = { ...((init?.headers ?? {}) as Record<string, string>) };
      const viewer = JSON.parse(headers[UNSIGNED_VIEWER] ?? '{"roles":[]}') as Viewer;
      delete headers[UNSIGNED_VIEWER];
      const signed = await claimsHeaders(viewer, {
        secret: this.internalSecret,
        issuer: 'gateway',
        audience: this.subgraph,
        body: typeof init?.body === 'string' ? init.body : '',
      });
      return send(input, { ...init, headers: { ...headers, ...signed } });
    }) as Fetcher;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const viewer = (context as Partial<GatewayContext>).viewer ?? { roles: [] };
    request.http?.headers.set(UNSIGNED_VIEWER, JSON.stringify({ userId: viewer.userId, roles: viewer.roles }));
  }
}
