import { SignJWT } from 'jose';
import { createTokenVerifier, signToken, TOKEN_AUDIENCE, TOKEN_ISSUER } from './auth';

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
        `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(TOKEN_ISSUER).setAudience(TOKEN_AUDIENCE).sign(new TextEncoder().encode(secret))}`,
      'names no user',
    ],
  ])('rejects %s with UNAUTHENTICATED', async (_name, header, message) => {
    await expect(verifier.verify(await header())).rejects.toMatchObject({
      message: expect.stringContaining(message),
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
