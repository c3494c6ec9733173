/**
 * Every subgraph request carries the viewer (never the client's raw token) as claims signed for
 * that subgraph and for the exact body sent (platform/forwarded-claims.ts), so a token cannot be
 * replayed with another body or against another subgraph. Listed last among the fetch steps: a
 * step before it may still change the request (the entity cache asks for its misses only).
 */
import { claimsHeaders } from '../../../platform/forwarded-claims';
import { subgraphRequestBody } from '../../pipeline/apollo-adapter';
import type { GatewayPlugin } from '../../pipeline/plugin';

export function claimSigningPlugin(internalSecret: string): GatewayPlugin {
  return {
    name: 'claim-signing',
    async onSubgraphFetch(fetch, next) {
      const viewer = fetch.state?.viewer ?? { roles: [] };
      const signed = await claimsHeaders(
        { userId: viewer.userId, roles: viewer.roles },
        { secret: internalSecret, issuer: 'gateway', audience: fetch.subgraph, body: subgraphRequestBody(fetch.request) },
      );
      return next({ ...fetch, headers: { ...fetch.headers, ...signed } });
    },
  };
}
