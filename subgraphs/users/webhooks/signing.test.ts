/** Signatures as a partner checks them, URL rules, and the retry schedule. */
import crypto from 'node:crypto';
import { WEBHOOK_DEFAULTS } from '../../../platform/config';
import { JITTER, retryDelayMs } from './backoff';
import { newSigningSecret, signatureHeader, verifySignature } from './signing';
import { validateWebhookUrl } from './url';

/** A seeded generator (mulberry32), so jitter is random yet the test repeatable. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('webhook signatures', () => {
  const secret = newSigningSecret();
  const body = JSON.stringify({ id: 'evt-1', type: 'order.placed', data: { orderId: 'o1', status: 'PENDING_PAYMENT' } });
  const t = 1_790_000_000;

  it('makes secrets with the whsec_ prefix, different every time', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('signs "<t>.<body>" with HMAC-SHA256, as Stripe does', () => {
    const expected = crypto.createHmac('sha256', 'whsec_test').update('1790000000.{}').digest('hex');
    expect(signatureHeader('whsec_test', '{}', t)).toBe(`t=1790000000,v1=${expected}`);
  });

  it('verifies its own signature within the tolerance and nothing else', () => {
    const header = signatureHeader(secret, body, t);
    expect(verifySignature(secret, body, header, { now: t + 10 })).toBe(true);
    expect(verifySignature(secret, `${body} `, header, { now: t })).toBe(false);
    expect(verifySignature(newSigningSecret(), body, header, { now: t })).toBe(false);
    expect(verifySignature(secret, body, header, { now: t + 301 })).toBe(false);
    expect(verifySignature(secret, body, header.replace(/t=\d+/, `t=${t + 1}`), { now: t })).toBe(false);
    expect(verifySignature(secret, body, undefined, { now: t })).toBe(false);
    expect(verifySignature(secret, body, 'garbage', { now: t })).toBe(false);
    expect(verifySignature(secret, body, `t=${t},v1=abc`, { now: t })).toBe(false);
  });

  it('accepts a header listing several signatures when one matches (secret rotation)', () => {
    const header = `${signatureHeader(secret, body, t)},v1=${'0'.repeat(64)}`;
    expect(verifySignature(secret, body, header, { now: t })).toBe(true);
  });
});

describe('webhook retry schedule', () => {
  const config = { initialDelayMs: 10_000, maxDelayMs: 3600_000 };

  it('doubles from the initial delay, within the jitter', () => {
    const random = seeded(42);
    for (let failed = 1; failed <= 8; failed++) {
      const base = Math.min(10_000 * 2 ** (failed - 1), 3600_000);
      const delay = retryDelayMs(failed, config, random);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER)));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER)));
    }
  });

  it('never waits longer than the cap, however many failures', () => {
    const random = seeded(7);
    for (const failed of [9, 12, 50, 10_000]) expect(retryDelayMs(failed, config, random)).toBeLessThanOrEqual(3600_000);
    expect(retryDelayMs(12, config, () => 0.999)).toBe(3600_000);
    expect(retryDelayMs(12, config, () => 0)).toBe(3600_000 * (1 - JITTER));
  });

  it('spreads deliveries that failed together', () => {
    const random = seeded(1);
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, config, random)));
    expect(delays.size).toBeGreaterThan(15);
  });

  it('retries for the default day with about 30 attempts', () => {
    // With the jitter at its middle: 10 s, 20 s, … 1 h, then hourly until 24 h after the first attempt.
    let elapsed = 0;
    let attempts = 1;
    while (elapsed + retryDelayMs(attempts, WEBHOOK_DEFAULTS, () => 0.5) <= WEBHOOK_DEFAULTS.retryWindowMs) {
      elapsed += retryDelayMs(attempts, WEBHOOK_DEFAULTS, () => 0.5);
      attempts++;
    }
    expect(attempts).toBeGreaterThan(25);
    expect(attempts).toBeLessThan(40);
  });
});

describe('webhook URLs', () => {
  it('accepts https always and http outside production', () => {
    expect(validateWebhookUrl('https://partner.example/hooks', { httpsOnly: true })).toBe('https://partner.example/hooks');
    expect(validateWebhookUrl('http://127.0.0.1:9999/hook', { httpsOnly: false })).toBe('http://127.0.0.1:9999/hook');
  });

  it.each([
    ['http://partner.example/hooks', true, 'must use https'],
    ['ftp://partner.example/hooks', false, 'must use http or https'],
    ['javascript:alert(1)', false, 'must use http or https'],
    ['https://user:pw@partner.example/hooks', true, 'must not contain credentials'],
    ['not a url', false, 'is not a URL'],
  ])('refuses %s (https only: %s) with BAD_USER_INPUT', (url, httpsOnly, message) => {
    expect(() => validateWebhookUrl(url, { httpsOnly })).toThrow(message);
    try {
      validateWebhookUrl(url, { httpsOnly });
    } catch (error) {
      expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});
