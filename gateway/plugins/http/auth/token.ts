/**
 * Client authentication: `Authorization: Bearer <JWT>`, verified with jose — HS256 with
 * JWT_SECRET, or the keys of an identity provider's JWKS URL. Claims: `sub` (user id), `roles`.
 *
 * A client sends the same token with every request, so a verified token is remembered (keyed by
 * the raw token, bounded LRU) until its `exp`, and for at most TOKEN_CACHE_DEFAULTS.maxAgeMs so a
 * key an identity provider withdraws stops being honoured soon after. Only successes are kept:
 * a token that failed is verified again next time and fails again.
 *
 * A token of an erased user (./erased-subjects.ts) is refused after the cache, on every request
 * and connection, and leaves the cache: erasure does not wait for the cache's bound.
 */
import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { appError, ErrorCode } from '../../../../platform/errors';
import { ANONYMOUS, type Role, type Viewer } from '../../../../platform/viewer';
import { erasedSubjectRefusals } from '../../../../platform/metrics';
import { SUBJECT_ERASED } from './erased-subjects';

export const TOKEN_ISSUER = 'federation-platform';
export const TOKEN_AUDIENCE = 'federation-platform-api';

/**
 * Algorithms accepted per key source, never what a token's header asks for: a shared secret signs
 * HS256 only; an identity provider's published keys are asymmetric.
 */
const SECRET_ALGORITHMS = ['HS256'];
const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** What a client is told once its token's `exp` has passed, at verification or later (graphql-ws). */
export const TOKEN_EXPIRED = 'The bearer token has expired';

/** Why a token failed verification, in words a client can act on (jose's error codes). */
function rejection(error: unknown): string {
  const { code, claim } = error as { code?: string; claim?: string };
  if (code === 'ERR_JWT_EXPIRED') return TOKEN_EXPIRED;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && claim === 'exp') return 'The bearer token has no expiry (exp); tokens must expire';
  if (code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'The bearer token is signed with an algorithm this API does not accept';
  return 'The bearer token is not valid';
}

/** Roles a client token may carry. 'service' (calls between services) and 'partner' (the partner endpoint's) are never taken from a client. */
const CLIENT_ROLES = new Set<Role>(['admin', 'customer']);

/** Who a verified token names, and until when it may be believed. */
export interface Session {
  viewer: Viewer;
  /** The token's `exp` in milliseconds since the epoch; absent for an anonymous client (no token). */
  expiresAt?: number;
}

export interface TokenVerifier {
  verify(authorization: string | undefined): Promise<Viewer>;
  /** As verify, with the token's expiry: for connections that outlive one request (graphql-ws). */
  session(authorization: string | undefined): Promise<Session>;
  /** Verified tokens remembered now. */
  readonly cachedTokens: number;
  /** Forgets every remembered token of the user (erased). */
  dropSubject(userId: string): void;
}

export interface TokenCacheSettings {
  /** Tokens remembered at most; the least recently used goes first. */
  maxEntries: number;
  /** The longest a verified token is remembered, however far its `exp`. */
  maxAgeMs: number;
}

export const TOKEN_CACHE_DEFAULTS: TokenCacheSettings = { maxEntries: 10_000, maxAgeMs: 60_000 };

interface Verified {
  viewer: Viewer;
  /** The token's exp, in milliseconds since the epoch. */
  expiresAt: number;
  /** Milliseconds since the epoch after which the entry is not used: the token's exp, or sooner. */
  until: number;
}

export function createTokenVerifier(options: {
  jwtSecret: string;
  jwksUrl?: string;
  cache?: TokenCacheSettings;
  /** Milliseconds since the epoch; tests move it to expire tokens. */
  now?: () => number;
  /** Users whose tokens are refused whatever they say (erased); none: nobody's. */
  erased?: { has(userId: string): boolean };
}): TokenVerifier {
  const key = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : new TextEncoder().encode(options.jwtSecret);
  const algorithms = options.jwksUrl ? JWKS_ALGORITHMS : SECRET_ALGORITHMS;
  const now = options.now ?? Date.now;
  const settings = options.cache ?? TOKEN_CACHE_DEFAULTS;
  const verified = new LRUCache<string, Verified>({ max: Math.max(1, settings.maxEntries) });

  async function check(token: string): Promise<Verified> {
    let payload: JWTPayload;
    const at = now();
    try {
      ({ payload } = await jwtVerify(token, key as Uint8Array, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms,
        requiredClaims: ['exp'],
        currentDate: options.now ? new Date(at) : undefined,
      }));
    } catch (error) {
      throw unauthenticated(rejection(error));
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('The bearer token names no user (sub)');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    return {
      viewer: { userId: payload.sub, roles: roles.filter((role): role is Role => CLIENT_ROLES.has(role as Role)) },
      expiresAt: payload.exp! * 1000,
      until: Math.min(payload.exp! * 1000, at + settings.maxAgeMs),
    };
  }

  const session = async (authorization: string | undefined): Promise<Session> => {
    if (!authorization) return { viewer: ANONYMOUS };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
    const token = match[1];
    let entry = verified.get(token);
    if (entry && now() >= entry.until) {
      verified.delete(token);
      entry = undefined;
    }
    if (!entry) {
      entry = await check(token);
      if (settings.maxEntries > 0) verified.set(token, entry);
    }
    if (entry.viewer.userId !== undefined && options.erased?.has(entry.viewer.userId)) {
      verified.delete(token);
      erasedSubjectRefusals.inc();
      throw unauthenticated(SUBJECT_ERASED);
    }
    // A copy: whoever holds the viewer cannot change what the next request sees.
    return { viewer: { userId: entry.viewer.userId, roles: [...entry.viewer.roles] }, expiresAt: entry.expiresAt };
  };

  return {
    session,
    async verify(authorization) {
      return (await session(authorization)).viewer;
    },
    get cachedTokens() {
      return verified.size;
    },
    dropSubject(userId) {
      for (const [token, entry] of verified.entries()) if (entry.viewer.userId === userId) verified.delete(token);
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
