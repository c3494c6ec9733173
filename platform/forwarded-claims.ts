/**
 * The viewer's claims as one trusted caller (the gateway, or a service calling another) forwards
 * them to a subgraph: a compact JWT in the `x-viewer-claims` header (HTTP) or in the
 * connection_init payload (graphql-ws), HS256 with INTERNAL_SECRET, algorithm pinned.
 *
 * Unlike a signature over the claims alone, the token is bound to one request and one target:
 * `aud` is the subgraph it was made for, `bh` the sha256 of the exact request body, `iat`/`exp`
 * give it 30 s, and `jti` is a nonce the subgraph accepts once (see subgraphs/kit/nonce-registry.ts).
 * A captured header is therefore useless on another subgraph, with another body, a second time,
 * or after half a minute.
 */
import crypto from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { unauthenticated } from './errors';
import { ANONYMOUS, type Role, type Viewer } from './viewer';

export const CLAIMS_HEADER = 'x-viewer-claims';
/** How long a signed claim is valid; long enough for a request to travel, short enough to be useless to keep. */
export const CLAIMS_LIFETIME_S = 30;
/** Clocks of the signer and the verifier may differ by this much. */
export const CLOCK_SKEW_S = 5;
/** A nonce must be remembered for as long as its token could still be accepted. */
export const REPLAY_WINDOW_MS = (CLAIMS_LIFETIME_S + 2 * CLOCK_SKEW_S) * 1000;

/** Who may sign: the gateway, or a platform service calling another (service-client). */
export const CLAIM_ISSUERS = ['gateway', 'platform-service'] as const;
export type ClaimIssuer = (typeof CLAIM_ISSUERS)[number];

/** An HTTP request's token covers its body; a WebSocket's covers its connection_init, which has no body. */
export type ClaimsChannel = 'http' | 'ws';

const ALGORITHM = 'HS256';
const TOKEN_TYPE = 'viewer-claims+jwt';
const KNOWN_ROLES = new Set<Role>(['admin', 'customer', 'service', 'partner']);

/** Remembers nonces: true the first time one is seen within `ttlMs`, false for a replay. */
export interface NonceGuard {
  firstUse(nonce: string, ttlMs: number): Promise<boolean>;
}

export const bodyHash = (body: string | Uint8Array): string => crypto.createHash('sha256').update(body).digest('base64url');

/** One KeyObject per secret: from raw bytes jose would build one on every signature and verification. */
const keys = new Map<string, crypto.KeyObject>();
const keyOf = (secret: string): crypto.KeyObject => {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
};

export interface SignClaimsOptions {
  secret: string;
  issuer: ClaimIssuer;
  /** The subgraph the request goes to. */
  audience: string;
  channel: ClaimsChannel;
  /** The exact bytes of the request body (HTTP); nothing for a WebSocket. */
  body?: string | Uint8Array;
  /** Seconds since the epoch; tests set it to make stale tokens. */
  now?: number;
}

/** The protected header is the same for every token: encoded once. */
const ENCODED_HEADER = Buffer.from(JSON.stringify({ alg: ALGORITHM, typ: TOKEN_TYPE })).toString('base64url');

/**
 * A compact JWS (RFC 7515) signed with HMAC-SHA256, built directly: the gateway signs one per
 * subgraph fetch, and jose's SignJWT (claim setters, a key import per call) cost several times
 * the HMAC itself. The claims are those jose would write; subgraphs verify with jose as before.
 */
export async function signClaims(viewer: Viewer, options: SignClaimsOptions): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    roles: [...viewer.roles].sort(),
    ch: options.channel,
    bh: bodyHash(options.body ?? ''),
    iss: options.issuer,
    aud: options.audience,
    iat: now,
    exp: now + CLAIMS_LIFETIME_S,
    jti: crypto.randomUUID(),
  };
  if (viewer.userId) claims.sub = viewer.userId;
  const signingInput = `${ENCODED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = crypto.createHmac('sha256', keyOf(options.secret)).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/** Headers for one HTTP request to `audience` carrying `body`. */
export async function claimsHeaders(viewer: Viewer, options: Omit<SignClaimsOptions, 'channel'>): Promise<Record<string, string>> {
  return { [CLAIMS_HEADER]: await signClaims(viewer, { ...options, channel: 'http' }) };
}

export interface ClaimsVerifierOptions {
  secret: string;
  /** This subgraph's name: tokens made for another are refused. */
  audience: string;
  nonces: NonceGuard;
  /** Seconds since the epoch; tests only. */
  now?: () => number;
}

export interface ClaimsVerifier {
  /**
   * The viewer a request speaks for. No token: an anonymous caller. A token that is forged,
   * stale, meant for another subgraph or another body, or seen before: UNAUTHENTICATED.
   */
  verify(token: string | undefined, request: { channel: ClaimsChannel; body?: string | Uint8Array }): Promise<Viewer>;
}

const refused = (reason: string) => unauthenticated(`Forwarded viewer claims refused: ${reason}`);

export function createClaimsVerifier(options: ClaimsVerifierOptions): ClaimsVerifier {
  const key = keyOf(options.secret);
  return {
    async verify(token, request) {
      if (token === undefined || token === '') return ANONYMOUS;
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          typ: TOKEN_TYPE,
          audience: options.audience,
          issuer: [...CLAIM_ISSUERS],
          clockTolerance: CLOCK_SKEW_S,
          maxTokenAge: CLAIMS_LIFETIME_S + CLOCK_SKEW_S,
          requiredClaims: ['iat', 'exp', 'jti'],
          currentDate: options.now ? new Date(options.now() * 1000) : undefined,
        }));
      } catch (error) {
        throw refused(describe(error));
      }
      // A signer cannot hand out longer-lived tokens than the platform allows.
      if (payload.exp! - payload.iat! > CLAIMS_LIFETIME_S) throw refused('lifetime longer than allowed');
      if (payload.ch !== request.channel) throw refused(`made for ${String(payload.ch)}, used for ${request.channel}`);
      const expected = Buffer.from(bodyHash(request.body ?? ''));
      const given = Buffer.from(typeof payload.bh === 'string' ? payload.bh : '');
      if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw refused('body does not match');
      if (!(await options.nonces.firstUse(payload.jti!, REPLAY_WINDOW_MS))) throw refused('already used');
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      return {
        userId: typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined,
        roles: roles.filter((role): role is Role => KNOWN_ROLES.has(role as Role)),
      };
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `${error.claim} claim not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  return 'not a valid claims token';
}
