import crypto from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { ErrorCode } from './errors';
import { CLAIMS_LIFETIME_S, createClaimsVerifier, signClaims, type NonceGuard, type SignClaimsOptions } from './forwarded-claims';
import { ANONYMOUS, type Viewer } from './viewer';

const secret = 'test-internal-secret';
const alice: Viewer = { userId: 'user-0001', roles: ['customer'] };
const body = JSON.stringify({ query: '{ me { id } }' });

/** A nonce guard with a memory and nothing else (the real one is subgraphs/kit/nonce-registry.ts). */
function memoryNonces(): NonceGuard {
  const seen = new Set<string>();
  return {
    firstUse: async (nonce) => {
      if (seen.has(nonce)) return false;
      seen.add(nonce);
      return true;
    },
  };
}

const sign = (overrides: Partial<SignClaimsOptions> = {}, viewer = alice) =>
  signClaims(viewer, { secret, issuer: 'gateway', audience: 'users', channel: 'http', body, ...overrides });

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { message: string; extensions: { code: string } } | undefined;
  if (!error) throw new Error('expected the claims to be refused');
  expect(error.extensions.code).toBe(ErrorCode.UNAUTHENTICATED);
  return error.message;
}

describe('forwarded claims', () => {
  const verifier = () => createClaimsVerifier({ secret, audience: 'users', nonces: memoryNonces() });

  it('round-trips the viewer for the subgraph and body it was signed for', async () => {
    await expect(verifier().verify(await sign(), { channel: 'http', body })).resolves.toEqual(alice);
    await expect(verifier().verify(await sign({}, { roles: ['service'] }), { channel: 'http', body })).resolves.toEqual({
      userId: undefined,
      roles: ['service'],
    });
  });

  it('treats a request without claims as anonymous', async () => {
    await expect(verifier().verify(undefined, { channel: 'http', body })).resolves.toBe(ANONYMOUS);
  });

  it('refuses a second use of the same token', async () => {
    const v = verifier();
    const token = await sign();
    await v.verify(token, { channel: 'http', body });
    expect(await refusal(v.verify(token, { channel: 'http', body }))).toMatch(/already used/);
  });

  it('refuses a token made for another subgraph', async () => {
    expect(await refusal(verifier().verify(await sign({ audience: 'orders' }), { channel: 'http', body }))).toMatch(/aud/);
  });

  it('refuses a token for another body', async () => {
    const tampered = JSON.stringify({ query: '{ users { edges { node { email } } } }' });
    expect(await refusal(verifier().verify(await sign(), { channel: 'http', body: tampered }))).toMatch(/body does not match/);
  });

  it('refuses an HTTP token on a WebSocket and the other way round', async () => {
    expect(await refusal(verifier().verify(await sign(), { channel: 'ws' }))).toMatch(/made for http/);
    expect(await refusal(verifier().verify(await sign({ channel: 'ws', body: undefined }), { channel: 'http', body }))).toMatch(
      /made for ws/,
    );
  });

  it('refuses expired tokens but allows 5 s of clock skew', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await sign({ now: now - CLAIMS_LIFETIME_S - 10 });
    expect(await refusal(verifier().verify(stale, { channel: 'http', body }))).toMatch(/expired/);
    const slightlyAhead = await sign({ now: now + 3 });
    await expect(verifier().verify(slightlyAhead, { channel: 'http', body })).resolves.toEqual(alice);
    const farAhead = await sign({ now: now + 60 });
    expect(await refusal(verifier().verify(farAhead, { channel: 'http', body }))).toMatch(/iat/);
  });

  it('refuses forged tokens: wrong secret, another algorithm, unknown issuer, too long a lifetime', async () => {
    const v = verifier();
    expect(
      await refusal(
        v.verify(await signClaims(alice, { secret: 'guess', issuer: 'gateway', audience: 'users', channel: 'http', body }), {
          channel: 'http',
          body,
        }),
      ),
    ).toMatch(/signature/);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'viewer-claims+jwt' })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'user-0001', roles: ['admin'], aud: 'users', iss: 'gateway' }),
    ).toString('base64url')}.`;
    await refusal(v.verify(unsigned, { channel: 'http', body }));
    await refusal(v.verify('not-a-token', { channel: 'http', body }));
    const key = new TextEncoder().encode(secret);
    const now = Math.floor(Date.now() / 1000);
    const base = (claims: Record<string, unknown>) =>
      new SignJWT({ roles: ['admin'], ch: 'http', bh: '', ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'viewer-claims+jwt' })
        .setAudience('users')
        .setIssuedAt(now)
        .setJti('n-1');
    const stranger = await base({})
      .setIssuer('someone')
      .setExpirationTime(now + 10)
      .sign(key);
    expect(await refusal(v.verify(stranger, { channel: 'http', body: '' }))).toMatch(/iss/);
    const longLived = await base({})
      .setIssuer('gateway')
      .setExpirationTime(now + 3600)
      .sign(key);
    expect(await refusal(v.verify(longLived, { channel: 'http', body: '' }))).toMatch(/lifetime/);
  });
});

describe('forwarded claims for many viewers and subgraphs', () => {
  it('gives each viewer, signer and subgraph its own claims and every token its own nonce', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bob: Viewer = { userId: 'user-0002', roles: ['customer', 'admin'] };
    // The claims are written as JSON text: an id that needs escaping comes back as it was.
    const odd: Viewer = { userId: 'user "0003" \\ ü\n', roles: ['partner'] };
    const cases = [
      { viewer: alice, audience: 'users', issuer: 'gateway' },
      { viewer: bob, audience: 'users', issuer: 'gateway' },
      { viewer: odd, audience: 'users', issuer: 'gateway' },
      { viewer: alice, audience: 'orders', issuer: 'gateway' },
      { viewer: alice, audience: 'users', issuer: 'platform-service' },
      { viewer: ANONYMOUS, audience: 'users', issuer: 'gateway' },
    ] as const;
    const nonces = new Set<string>();
    // Twice over: the same viewer, subgraph and second still get a nonce per token.
    for (let round = 0; round < 2; round++) {
      for (const { viewer, audience, issuer } of cases) {
        const token = await signClaims(viewer, { secret, issuer, audience, channel: 'http', body, now });
        const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
          algorithms: ['HS256'],
          currentDate: new Date(now * 1000),
        });
        expect(payload).toMatchObject({ iss: issuer, aud: audience, ch: 'http', iat: now, roles: [...viewer.roles].sort() });
        expect(payload.sub).toBe(viewer.userId);
        nonces.add(payload.jti as string);
        const v = createClaimsVerifier({ secret, audience, nonces: memoryNonces(), now: () => now });
        await expect(v.verify(token, { channel: 'http', body })).resolves.toEqual({
          userId: viewer.userId,
          roles: [...viewer.roles].sort(),
        });
      }
    }
    expect(nonces.size).toBe(2 * cases.length);
  });

  it('refuses, even signed with the secret, a header other than its own, a claims set that is not an object, and nbf', async () => {
    const v = createClaimsVerifier({ secret, audience: 'users', nonces: memoryNonces() });
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      roles: ['admin'],
      ch: 'http',
      bh: crypto.createHash('sha256').update('').digest('base64url'),
      iss: 'gateway',
      aud: 'users',
      iat: now,
      exp: now + 10,
      jti: 'n-2',
    };
    const hs = (header: object, payload: unknown) => {
      const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    expect(await refusal(v.verify(hs({ typ: 'viewer-claims+jwt', alg: 'HS256' }, claims), { channel: 'http', body: '' }))).toMatch(
      /not a valid/,
    );
    expect(await refusal(v.verify(hs({ alg: 'HS256', typ: 'JWT' }, claims), { channel: 'http', body: '' }))).toMatch(/not a valid/);
    expect(await refusal(v.verify(hs({ alg: 'HS256', typ: 'viewer-claims+jwt' }, [claims]), { channel: 'http', body: '' }))).toMatch(
      /not a valid/,
    );
    expect(
      await refusal(v.verify(hs({ alg: 'HS256', typ: 'viewer-claims+jwt' }, { ...claims, nbf: now }), { channel: 'http', body: '' })),
    ).toMatch(/nbf/);
    const valid = hs({ alg: 'HS256', typ: 'viewer-claims+jwt' }, claims);
    expect(await refusal(v.verify(`${valid}.extra`, { channel: 'http', body: '' }))).toMatch(/not a valid/);
    await expect(v.verify(valid, { channel: 'http', body: '' })).resolves.toEqual({ userId: undefined, roles: ['admin'] });
  });
});

describe('forwarded claims token format', () => {
  it('is a standard HS256 JWS with the pinned type that jose verifies, carrying every claim', async () => {
    const token = await sign({ now: Math.floor(Date.now() / 1000) });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'viewer-claims+jwt' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'] });
    expect(payload).toEqual({
      roles: ['customer'],
      ch: 'http',
      bh: expect.any(String),
      iss: 'gateway',
      aud: 'users',
      iat: expect.any(Number),
      exp: (payload.iat as number) + CLAIMS_LIFETIME_S,
      jti: expect.any(String),
      sub: 'user-0001',
    });
    await expect(jwtVerify(token, new TextEncoder().encode('another-secret'), { algorithms: ['HS256'] })).rejects.toThrow();
  });
});
