import pino from 'pino';
import { createRateLimiter, rateLimitHeaders } from './limiter';

const log = pino({ level: 'silent' });

describe('rate limiter (in memory)', () => {
  it('counts per key and refuses past the limit until the window resets', async () => {
    const limiter = createRateLimiter({ points: 2, windowSeconds: 60 }, { keyPrefix: 'unit', log });
    expect(await limiter.consume('user:a')).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(await limiter.consume('user:a')).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await limiter.consume('user:a');
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.resetSeconds).toBeLessThanOrEqual(60);
    // Another client has a budget of its own.
    expect(await limiter.consume('user:b')).toMatchObject({ allowed: true, remaining: 1 });
  });

  it('writes the IETF draft headers, and Retry-After only when refused', () => {
    const allowed = { allowed: true, limit: 10, remaining: 3, resetSeconds: 42, windowSeconds: 60 };
    expect(rateLimitHeaders(allowed)).toEqual({
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '3',
      'RateLimit-Reset': '42',
      'RateLimit-Policy': '10;w=60',
    });
    expect(rateLimitHeaders({ ...allowed, allowed: false, remaining: 0 })['Retry-After']).toBe('42');
  });
});
