import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayPlugin } from '../../pipeline/plugin';

/**
 * Browsers on other origins (frontend apps, dashboards) may call the API with a bearer token.
 * No cookies are used, so allowing any origin exposes nothing a token holder could not read.
 * Answers a preflight (OPTIONS) itself: false then, so nothing else runs.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, apollo-require-preflight');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  // So that browser apps can pace themselves by their rate limit.
  res.setHeader('Access-Control-Expose-Headers', 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After');
  if (req.method !== 'OPTIONS') return true;
  res.statusCode = 204;
  res.end();
  return false;
}

/** CORS headers on every answer of an endpoint, and preflights answered here. */
export const corsPlugin: GatewayPlugin = { name: 'cors', onHttpRequest: ({ req, res }) => applyCors(req, res) };
