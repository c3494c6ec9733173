/** The supergraph this gateway serves: composed by `npm run compose` and committed beside this file. */
import { fromRoot } from '../platform/paths';

export const SUPERGRAPH_SDL = fromRoot('gateway', 'supergraph.graphql');
