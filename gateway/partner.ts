/**
 * The partner API: the partner contract (gateway/contracts/) served by a second Apollo Gateway
 * over the contract's supergraph and the same subgraph data sources as /graphql. A field outside
 * the contract does not exist there at all — not through fragments, aliases, `_entities`,
 * `__type` or subscriptions — because that gateway's API schema is the contract.
 *
 * POST /partner/graphql: the API, for callers with an API key (`x-api-key`). GET
 * /partner/schema.graphql: the contract SDL for partners' developers, open to all. No WebSocket
 * is served on /partner/graphql (the contract has no subscriptions).
 */
import fs from 'node:fs';
import type { ApolloServer } from '@apollo/server';
import { GRAPHQL_BODY_LIMIT_BYTES, graphqlHandler, type GraphqlGate, type GraphqlHandlerOptions } from '../platform/graphql-http';
import type { HttpHost } from '../platform/http';
import type { Logger } from '../platform/logger';
import type { RequestState } from './pipeline/request-state';
import { PARTNER_API_SDL, PARTNER_SUPERGRAPH_SDL } from './supergraph';

export const PARTNER_ENDPOINT = '/partner/graphql';
export const PARTNER_SCHEMA_ENDPOINT = '/partner/schema.graphql';

/** The committed contract: what the partner gateway loads and what partners read. */
export interface PartnerContract {
  supergraphSdl: string;
  apiSdl: string;
}

export function readPartnerContract(): PartnerContract {
  return { supergraphSdl: fs.readFileSync(PARTNER_SUPERGRAPH_SDL, 'utf8'), apiSdl: fs.readFileSync(PARTNER_API_SDL, 'utf8') };
}

export interface PartnerRoutes {
  /** The Apollo server over the contract gateway, built like the main one (same limits and errors). */
  server: ApolloServer<RequestState>;
  contract: PartnerContract;
  /** What every request passes before its body is read (the API key, the partner's rate limit: plugins/http/partner-keys). */
  gate: GraphqlGate<RequestState>;
  /** Around each request's whole handling (the pipeline's onHttpExchange steps), if any. */
  around?: GraphqlHandlerOptions<RequestState>['around'];
  log: Logger;
}

export function servePartnerApi(host: HttpHost, routes: PartnerRoutes): void {
  host.app.get(PARTNER_SCHEMA_ENDPOINT, (_req, res) => {
    res.type('text/plain; charset=utf-8').send(routes.contract.apiSdl);
  });
  host.serveGraphql(
    PARTNER_ENDPOINT,
    graphqlHandler({
      server: routes.server,
      gate: routes.gate,
      bodyLimitBytes: GRAPHQL_BODY_LIMIT_BYTES,
      log: routes.log,
      around: routes.around,
    }),
  );
}
