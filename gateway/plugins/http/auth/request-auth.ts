/**
 * Verifies a request's bearer token once, before anything that needs to know the client (the rate
 * limiter keys on the user id), and keeps the outcome for the GraphQL context. A bad token is not
 * refused here: the limiter counts it against the client's IP, and the context then raises the
 * same UNAUTHENTICATED error as always.
 */
import type { Viewer } from '../../../../platform/viewer';
import type { TokenVerifier } from './token';

export type Authentication = { viewer: Viewer } | { error: unknown };

export async function authenticate(verifier: TokenVerifier, authorization: string | undefined): Promise<Authentication> {
  try {
    return { viewer: await verifier.verify(authorization) };
  } catch (error) {
    return { error };
  }
}

/** The verified viewer, when the token was good. */
export function verifiedViewer(authentication: Authentication): Viewer | undefined {
  return 'viewer' in authentication ? authentication.viewer : undefined;
}

/** The viewer for the GraphQL context; throws the verification error of a bad token. */
export function requestViewer(authentication: Authentication): Viewer {
  if ('error' in authentication) throw authentication.error;
  return authentication.viewer;
}
