/**
 * Webhook signatures, as Stripe makes them: HMAC-SHA256 with the endpoint's secret over
 * "<unix seconds>.<body>", sent as `Partner-Signature: t=<seconds>,v1=<hex>`. The timestamp inside
 * the signed text lets a receiver refuse old (replayed) requests; the body is signed byte for byte.
 */
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'Partner-Signature';
export const EVENT_ID_HEADER = 'Partner-Event-Id';
export const EVENT_TYPE_HEADER = 'Partner-Event-Type';

/** A receiver that checks signatures should refuse ones older than this (and docs/partner-api.md says so). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A fresh signing secret: 32 random bytes, prefixed so that a leaked one is recognisable. */
export function newSigningSecret(): string {
  return `whsec_${crypto.randomBytes(32).toString('base64url')}`;
}

function hmac(secret: string, timestamp: number, body: string): string {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The signature header's value for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * What a receiver does: true when `header` carries a v1 signature of `body` by `secret` made
 * within `toleranceSeconds` of `now` (unix seconds). Compares in constant time.
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  { now = Math.floor(Date.now() / 1000), toleranceSeconds = DEFAULT_TOLERANCE_SECONDS } = {},
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return parts
    .filter(([key, value]) => key === 'v1' && value !== undefined)
    .some(([, value]) => {
      const given = Buffer.from(value!, 'hex');
      return given.length === expected.length && crypto.timingSafeEqual(given, expected);
    });
}
