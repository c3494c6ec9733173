/** The supergraphs this gateway serves: composed by `npm run compose` and committed beside this file. */
import { fromRoot } from '../platform/paths';

export const SUPERGRAPH_SDL = fromRoot('gateway', 'supergraph.graphql');

/** The partner contract's supergraph: what the gateway behind /partner/graphql loads. */
export const PARTNER_SUPERGRAPH_SDL = fromRoot('gateway', 'contracts', 'partner.supergraph.graphql');

/** The partner contract's API schema: the published contract, served at GET /partner/schema.graphql. */
export const PARTNER_API_SDL = fromRoot('gateway', 'contracts', 'partner.graphql');

/** Breaking changes made to the partner contract on purpose, with their reasons (`npm run compose -- --accept-breaking`). */
export const PARTNER_CHANGELOG = fromRoot('gateway', 'contracts', 'CHANGELOG.md');
