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
 *
 * The gateway signs one token per subgraph fetch (16 for one heavy federated query) and every
 * subgraph request verifies one, so both sides are written directly on node:crypto rather than
 * through jose; the token stays a standard JWS that jose (or any JWT library) verifies.
 * docs/benchmarks.md#forwarded-claims has the figures.
 */
import crypto from 'node:crypto';
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
const ISSUERS = new Set<unknown>(CLAIM_ISSUERS);

/** An HTTP request's token covers its body; a WebSocket's covers its connection_init, which has no body. */
export type ClaimsChannel = 'http' | 'ws';

const KNOWN_ROLES = new Set<Role>(['admin', 'customer', 'service', 'partner']);

/**
 * The protected header, `{"alg":"HS256","typ":"viewer-claims+jwt"}`, and its dot: the same bytes
 * in every token. The verifier asks for exactly these bytes, which pins the algorithm and the type
 * without parsing anything a caller chose.
 */
const HEADER_PART = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'viewer-claims+jwt' })).toString('base64url')}.`;

/** Remembers nonces: true the first time one is seen within `ttlMs`, false for a replay. */
export interface NonceGuard {
  firstUse(nonce: string, ttlMs: number): Promise<boolean>;
}

/** crypto.hash is the one-shot form: half the cost of createHash().update().digest() on a small body. */
export const bodyHash = (body: string | Uint8Array): string => crypto.hash('sha256', body, 'base64url');

/** One KeyObject per secret, made once rather than on every signature and verification. */
const keys = new Map<string, crypto.KeyObject>();
const keyOf = (secret: string): crypto.KeyObject => {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
};
const hmac = (key: crypto.KeyObject, signingInput: string): string =>
  crypto.createHmac('sha256', key).update(signingInput).digest('base64url');

/**
 * A nonce need be unique, not unguessable: a subgraph records one only once the token's signature
 * has been checked, so without the secret nobody can use or spend one. 96 random bits per process
 * and a counter do not repeat across processes or restarts, and cost less than a randomUUID.
 */
const NONCE_PREFIX = crypto.randomBytes(12).toString('base64url');
let noncesIssued = 0;

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

/**
 * A compact JWS (RFC 7515) signed with HMAC-SHA256. The claims are written as JSON text directly
 * rather than built as an object for JSON.stringify: the gateway signs one per subgraph fetch.
 */
export async function signClaims(viewer: Viewer, options: SignClaimsOptions): Promise<string> {
  return sign(viewer, options, options.channel);
}

/** Headers for one HTTP request to `audience` carrying `body`. */
export async function claimsHeaders(viewer: Viewer, options: Omit<SignClaimsOptions, 'channel'>): Promise<Record<string, string>> {
  // Not signClaims({ ...options, channel }): on Node 20 a spread followed by a property costs about 0.6 µs, a fifth of a signature.
  return { [CLAIMS_HEADER]: sign(viewer, options, 'http') };
}

function sign(viewer: Viewer, options: Omit<SignClaimsOptions, 'channel'>, channel: ClaimsChannel): string {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const sub = viewer.userId ? `"sub":${JSON.stringify(viewer.userId)},` : '';
  // The body hash and the nonce are base64url: nothing in them needs escaping.
  const claims =
    `{"roles":${JSON.stringify([...viewer.roles].sort())},${sub}"iss":${JSON.stringify(options.issuer)},` +
    `"aud":${JSON.stringify(options.audience)},"ch":"${channel}","iat":${now},"exp":${now + CLAIMS_LIFETIME_S},` +
    `"bh":"${bodyHash(options.body ?? '')}","jti":"${NONCE_PREFIX}${(++noncesIssued).toString(36)}"}`;
  const signingInput = HEADER_PART + Buffer.from(claims).toString('base64url');
  return `${signingInput}.${hmac(keyOf(options.secret), signingInput)}`;
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

/** Equal strings, in time that depends on their lengths only. */
function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

export function createClaimsVerifier(options: ClaimsVerifierOptions): ClaimsVerifier {
  const key = keyOf(options.secret);
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));
  return {
    async verify(token, request) {
      if (token === undefined || token === '') return ANONYMOUS;
      const claims = signedClaims(token, key);
      const now = clock();
      const { iss, aud, iat, exp, jti } = claims;
      // The checks and their tolerances are those jose's jwtVerify made before (clockTolerance 5 s, maxTokenAge 35 s).
      if (!ISSUERS.has(iss)) throw refused('iss claim not accepted');
      if (aud !== options.audience) throw refused('aud claim not accepted');
      if (typeof iat !== 'number') throw refused('iat claim not accepted');
      if (typeof exp !== 'number') throw refused('exp claim not accepted');
      if (typeof jti !== 'string' || jti === '') throw refused('jti claim not accepted');
      // No signer of ours writes nbf; jose honoured one, so a token with one is refused rather than half-understood.
      if (claims.nbf !== undefined) throw refused('nbf claim not accepted');
      if (exp <= now - CLOCK_SKEW_S || now - iat > CLAIMS_LIFETIME_S + 2 * CLOCK_SKEW_S) throw refused('expired');
      if (iat > now + CLOCK_SKEW_S) throw refused('iat claim not accepted');
      // A signer cannot hand out longer-lived tokens than the platform allows.
      if (exp - iat > CLAIMS_LIFETIME_S) throw refused('lifetime longer than allowed');
      if (claims.ch !== request.channel) throw refused(`made for ${String(claims.ch)}, used for ${request.channel}`);
      if (!sameText(typeof claims.bh === 'string' ? claims.bh : '', bodyHash(request.body ?? ''))) throw refused('body does not match');
      if (!(await options.nonces.firstUse(jti, REPLAY_WINDOW_MS))) throw refused('already used');
      const roles = Array.isArray(claims.roles) ? (claims.roles as unknown[]) : [];
      return {
        userId: typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined,
        roles: roles.filter((role): role is Role => KNOWN_ROLES.has(role as Role)),
      };
    },
  };
}

/**
 * The claims of a compact JWS with our header and a signature made with `key`. Nothing of the
 * token is parsed before its signature is known to be good.
 */
function signedClaims(token: string, key: crypto.KeyObject): Record<string, unknown> {
  const lastDot = token.lastIndexOf('.');
  // Our header, then exactly one more dot: header.claims.signature.
  if (!token.startsWith(HEADER_PART) || token.indexOf('.', HEADER_PART.length) !== lastDot) throw refused('not a valid claims token');
  const signingInput = token.slice(0, lastDot);
  if (!sameText(token.slice(lastDot + 1), hmac(key, signingInput))) throw refused('bad signature');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(signingInput.slice(HEADER_PART.length), 'base64url').toString('utf8'));
  } catch {
    // Signed by us, yet not JSON: refused below like any other malformed token.
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw refused('not a valid claims token');
  return claims as Record<string, unknown>;
}
