/**
 * Partner API keys: `pk_live_<prefix>_<secret>`. The prefix (12 hex characters) finds the key's
 * row; only the sha256 of the whole key is stored, so a leaked table gives no usable key. The
 * users subgraph issues and verifies keys; the gateway only checks the shape, so a string that
 * cannot be a key is refused without a lookup.
 */
import crypto from 'node:crypto';

export const API_KEY_HEADER = 'x-api-key';

const KEY_PATTERN = /^pk_live_([0-9a-f]{12})_[A-Za-z0-9_-]{32}$/;

export interface NewApiKey {
  /** The whole key: shown to its owner once, never stored. */
  key: string;
  prefix: string;
  /** sha256 of the whole key, hex. */
  hash: string;
}

export const hashApiKey = (key: string): string => crypto.createHash('sha256').update(key).digest('hex');

export function newApiKey(): NewApiKey {
  const prefix = crypto.randomBytes(6).toString('hex');
  const key = `pk_live_${prefix}_${crypto.randomBytes(24).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The lookup prefix of a well-formed key; undefined for anything that cannot be one. */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** Whether `key` hashes to `hash`, compared in constant time. */
export function apiKeyMatches(key: string, hash: string): boolean {
  const expected = Buffer.from(hash, 'hex');
  const given = Buffer.from(hashApiKey(key), 'hex');
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}
