import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { viewerHeaders, type Viewer } from '../platform/viewer';

export interface GatewayContext {
  viewer: Viewer;
}

/** Forwards the verified viewer to subgraphs in signed headers (never the client's raw token). */
export class SignedClaimsDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly internalSecret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const viewer = (context as Partial<GatewayContext>).viewer ?? { roles: [] };
    for (const [name, value] of Object.entries(viewerHeaders(viewer, this.internalSecret))) {
      request.http?.headers.set(name, value);
    }
  }
}
