import type { RequestHandler } from 'express';

/**
 * Browsers on other origins (frontend apps, dashboards) may call the API with a bearer token.
 * No cookies are used, so allowing any origin exposes nothing a token holder could not read.
 */
const cors: RequestHandler = (req, res, next) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type, apollo-require-preflight');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  // So that browser apps can pace themselves by their rate limit.
  res.setHeader('Access-Control-Expose-Headers', 'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
};

export default cors;
