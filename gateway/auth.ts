/**
 * Client authentication: `Authorization: Bearer <JWT>`, verified with jose — HS256 with
 * JWT_SECRET, or the keys of an identity provider's JWKS URL. Claims: `sub` (user id), `roles`.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { appError, ErrorCode } from '../platform/errors';
import { ANONYMOUS, type Role, type Viewer } from '../platform/viewer';

export const TOKEN_ISSUER = 'federation-platform';
export const TOKEN_AUDIENCE = 'federation-platform-api';

/**
 * Algorithms accepted per key source, never what a token's header asks for: a shared secret signs
 * HS256 only; an identity provider's published keys are asymmetric.
 */
const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Why a token failed verification, in words a client can act on (jose's error codes). */
function rejection(error: unknown): string {
  const { code, claim } = error as { code?: string; claim?: string };
  if (code === 'ERR_JWT_EXPIRED') return 'The bearer token has expired';
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp') return 'The bearer token has no expiry (exp); tokens must expire';
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'The bearer token is signed with an algorithm this API does not accept';
  return 'The bearer token is not valid';
}

/** Roles a client token may carry. 'service' is for calls between services and is never taken from a client. */
const CLIENT_ROLES = new Set<Role>(['admin', 'customer']);

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<Viewer>;
}

export function createTokenVerifier(options: { jwtSecret: string; jwksUrl?: string }): TokenVerifier {
  const key = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : new TextEncoder().encode(options.jwtSecret);
  const algorithms = options.jwksUrl ? JWKS_ALGORITHMS : SECRET_ALGORITHMS;
  return {
    async verify(authorization) {
      if (!authorization) return ANONYMOUS;
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1], key as Uint8Array, {
          issuer: TOKEN_ISSUER,
          audience: TOKEN_AUDIENCE,
          algorithms,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        throw unauthenticated(rejection(error));
      }
      if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('The bearer token names no user (sub)');
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      return { userId: payload.sub, roles: roles.filter((role): role is Role => CLIENT_ROLES.has(role as Role)) };
    },
  };
}

function unauthenticated(message: string) {
  return appError(ErrorCode.UNAUTHENTICATED, message, { http: { status: 401 } });
}

/** Mints a token as the platform's identity provider would; used by the dev CLI and by tests. */
export function signToken(secret: string, claims: { userId: string; roles?: Role[]; expiresIn?: string }): Promise<string> {
  return new SignJWT({ roles: claims.roles ?? ['customer'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}
