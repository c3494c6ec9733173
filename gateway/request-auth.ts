/**
 * Verifies a request's bearer token once, before anything that needs to know the client (the rate
 * limiter keys on the user id), and keeps the outcome for the GraphQL context. A bad token is not
 * refused here: the limiter counts it against the client's IP, and the context then raises the
 * same UNAUTHENTICATED error as always.
 */
import type { RequestHandler, Response } from 'express';
import type { Viewer } from '../platform/viewer';
import type { TokenVerifier } from './auth';

type Outcome = { viewer: Viewer } | { error: unknown };

/** Where the outcome waits in res.locals for the rest of the request. */
const OUTCOME = 'gatewayAuthentication';

export function authenticateRequests(verifier: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    let outcome: Outcome;
    try {
      outcome = { viewer: await verifier.verify(req.headers.authorization) };
    } catch (error) {
      outcome = { error };
    }
    res.locals[OUTCOME] = outcome;
    next();
  };
}

/** The verified viewer, when the token was good. */
export function verifiedViewer(res: Response): Viewer | undefined {
  const outcome = res.locals[OUTCOME] as Outcome | undefined;
  return outcome && 'viewer' in outcome ? outcome.viewer : undefined;
}

/** The viewer for the GraphQL context; throws the verification error of a bad token. */
export function requestViewer(res: Response): Viewer {
  const outcome = res.locals[OUTCOME] as Outcome | undefined;
  if (!outcome) throw new Error('authenticateRequests did not run before the GraphQL handler');
  if ('error' in outcome) throw outcome.error;
  return outcome.viewer;
}
