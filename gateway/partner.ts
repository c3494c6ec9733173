/**
 * The partner API: the partner contract (gateway/contracts/) served by a second Apollo Gateway
 * over the contract's supergraph and the same subgraph data sources as /graphql. A field outside
 * the contract does not exist there at all — not through fragments, aliases, `_entities`,
 * `__type` or subscriptions — because that gateway's API schema is the contract.
 *
 * POST /partner/graphql: the API. GET /partner/schema.graphql: the contract SDL for partners'
 * developers. No WebSocket is served on /partner/graphql (the contract has no subscriptions).
 */
import fs from 'node:fs';
import { expressMiddleware } from '@as-integrations/express5';
import type { ApolloServer } from '@apollo/server';
import express, { type RequestHandler } from 'express';
import { ANONYMOUS } from '../platform/viewer';
import cors from './cors';
import type { GatewayContext } from './data-source';
import type { RateLimiter } from './rate-limit';
import { rateLimitRequests } from './rate-limit-http';
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
  server: ApolloServer<GatewayContext>;
  contract: PartnerContract;
  /** The gateway's per-client rate limiter; partners count per IP until API keys identify them. */
  rateLimiter?: RateLimiter;
}

/**
 * Every request to the partner API passes this chain, in order. Partners have no identity yet:
 * the caller is anonymous (a user's bearer token is not read here), limited per IP. API keys will
 * authenticate in front of the rate limiter, which then counts per partner.
 */
function partnerChain(rateLimiter: RateLimiter | undefined): RequestHandler[] {
  return [cors, ...(rateLimiter ? [rateLimitRequests(rateLimiter)] : []), express.json({ limit: '1mb' })];
}

export function servePartnerApi(app: express.Express, routes: PartnerRoutes): void {
  app.get(PARTNER_SCHEMA_ENDPOINT, (_req, res) => {
    res.type('text/plain; charset=utf-8').send(routes.contract.apiSdl);
  });
  app.use(
    PARTNER_ENDPOINT,
    ...partnerChain(routes.rateLimiter),
    expressMiddleware(routes.server, { context: async () => ({ viewer: ANONYMOUS }) }),
  );
}
