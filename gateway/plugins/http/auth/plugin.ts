/**
 * The bearer token, verified once per request before anything that needs to know the client (the
 * rate limit keys on the user id). A bad token is not refused here: the rate limit counts it
 * against the client's IP, and the request then fails with the same UNAUTHENTICATED error as always.
 */
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { authenticate } from './request-auth';
import type { TokenVerifier } from './token';

export function authPlugin(verifier: TokenVerifier): GatewayPlugin {
  return {
    name: 'auth',
    async onHttpRequest({ req, state }) {
      const authentication = await authenticate(verifier, req.headers.authorization);
      if ('viewer' in authentication) state.viewer = authentication.viewer;
      else state.authenticationError = authentication.error;
      return true;
    },
  };
}
