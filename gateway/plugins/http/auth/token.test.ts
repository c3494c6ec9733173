import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createTokenVerifier, signToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from './token';

describe('gateway token verification', () => {
  const secret = 'unit-test-secret';
  const verifier = createTokenVerifier({ jwtSecret: secret });

  it('turns a valid token into a viewer and drops roles a client may not claim', async () => {
    const token = await signToken(secret, { userId: 'user-0007', roles: ['admin', 'service' as never] });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'user-0007', roles: ['admin'] });
  });

  it('treats a request without Authorization as anonymous', async () => {
    await expect(verifier.verify(undefined)).resolves.toEqual({ roles: [] });
  });

  it.each([
    ['a token signed with another secret', async () => `Bearer ${await signToken('forged', { userId: 'u' })}`, 'is not valid'],
    ['an expired token', async () => `Bearer ${await signToken(secret, { userId: 'u', expiresIn: '-1m' })}`, 'has expired'],
    ['a malformed header', async () => 'Token abc', 'must be "Bearer <token>"'],
    [
      'a token without subject',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(new TextEncoder().encode(secret))}`,
      'names no user',
    ],
    [
      'a token that never expires',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).sign(new TextEncoder().encode(secret))}`,
      'has no expiry (exp)',
    ],
    [
      'a token signed with the right secret but another algorithm (HS512)',
      async () =>
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('u').setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).setExpirationTime('1h').sign(new TextEncoder().encode(secret))}`,
      'algorithm this API does not accept',
    ],
  ])('rejects %s with UNAUTHENTICATED', async (_name, header, message) => {
    await expect(verifier.verify(await header())).rejects.toMatchObject({
      message: expect.stringContaining(message),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('gateway token verification with an identity provider (JWKS)', () => {
  let server: http.Server;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let verifier: ReturnType<typeof createTokenVerifier>;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', use: 'sig' };
    // A real HTTP server publishing the provider's keys, as an identity provider does.
    server = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    verifier = createTokenVerifier({
      jwtSecret: 'unused',
      jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    });
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const token = (alg: string, expires = true) => {
    const jwt = new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg, kid: 'test-key' })
      .setSubject('user-0009')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE);
    return (expires ? jwt.setExpirationTime('1h') : jwt).sign(privateKey);
  };

  it("accepts a token signed with the provider's key", async () => {
    await expect(verifier.verify(`Bearer ${await token('RS256')}`)).resolves.toEqual({ userId: 'user-0009', roles: ['customer'] });
  });

  it('requires an expiry from the provider too', async () => {
    await expect(verifier.verify(`Bearer ${await token('RS256', false)}`)).rejects.toMatchObject({
      message: expect.stringContaining('has no expiry'),
    });
  });

  it('refuses an algorithm outside the pinned set even with a valid key', async () => {
    await expect(verifier.verify(`Bearer ${await token('RS384')}`)).rejects.toMatchObject({
      message: expect.stringContaining('algorithm this API does not accept'),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});

describe('verified-token cache', () => {
  const secret = 'cache-test-secret';
  const start = Date.UTC(2026, 0, 1, 12);
  /** A token that expires `seconds` after `start`, whatever the real clock says. */
  const tokenFor = (userId: string, seconds: number) =>
    new SignJWT({ roles: ['customer'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(start / 1000)
      .setExpirationTime(start / 1000 + seconds)
      .sign(new TextEncoder().encode(secret));

  it('never honours a remembered token past its exp', async () => {
    let now = start;
    const verifier = createTokenVerifier({ jwtSecret: secret, now: () => now });
    const token = await tokenFor('user-1', 30);
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'user-1', roles: ['customer'] });
    expect(verifier.cachedTokens).toBe(1);
    now = start + 29_000;
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'user-1', roles: ['customer'] });
    now = start + 30_000;
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ message: expect.stringContaining('has expired') });
    expect(verifier.cachedTokens).toBe(0);
  });

  it('keeps at most maxEntries tokens, dropping the least recently used', async () => {
    const now = start;
    const verifier = createTokenVerifier({ jwtSecret: secret, now: () => now, cache: { maxEntries: 2, maxAgeMs: 60_000 } });
    for (const user of ['a', 'b', 'c', 'd']) await verifier.verify(`Bearer ${await tokenFor(user, 60)}`);
    expect(verifier.cachedTokens).toBe(2);
  });

  it('does not remember a failure as a success: a bad token fails every time and is not kept', async () => {
    const now = start;
    const verifier = createTokenVerifier({ jwtSecret: secret, now: () => now });
    const forged = `Bearer ${await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('intruder')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime(start / 1000 + 60)
      .sign(new TextEncoder().encode('forged'))}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      await expect(verifier.verify(forged)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
    expect(verifier.cachedTokens).toBe(0);
  });

  it('hands out a copy: changing one request’s viewer does not change the next one’s', async () => {
    const now = start;
    const verifier = createTokenVerifier({ jwtSecret: secret, now: () => now });
    const header = `Bearer ${await tokenFor('user-1', 60)}`;
    const first = await verifier.verify(header);
    first.roles.push('admin');
    await expect(verifier.verify(header)).resolves.toEqual({ userId: 'user-1', roles: ['customer'] });
  });
});
