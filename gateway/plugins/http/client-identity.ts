/**
 * Who a client is, for limits: the user id of a verified token when there is one, else the
 * client's IP. The IP is the socket's peer unless GATEWAY_TRUST_PROXY says which proxies'
 * X-Forwarded-For to believe — the same rule as express's 'trust proxy' (proxy-addr), so HTTP
 * requests (which reach the GraphQL endpoints without express) and WebSocket upgrades agree.
 * API keys will be a third kind of identity when they arrive (partner contract endpoint).
 */
import type http from 'node:http';
import proxyAddr from 'proxy-addr';
import type { Viewer } from '../../../platform/viewer';

export type TrustProxy = boolean | number | string[];
export type TrustFunction = (address: string, hop: number) => boolean;

/** Compiles a trust setting the way express does for 'trust proxy'. */
export function trustFunction(setting: TrustProxy): TrustFunction {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}

/** The client's IP address as req.ip would give it under the same trust setting. */
export function clientIp(request: http.IncomingMessage, trust: TrustFunction): string {
  return proxyAddr(request, trust);
}

/**
 * The key a client's limits are counted under; never mixes a user id with an address. The address
 * may be given as a function: it is then worked out (X-Forwarded-For parsing) only when needed.
 */
export function clientKey(viewer: Viewer | undefined, ip: string | undefined | (() => string)): string {
  if (viewer?.userId) return `user:${viewer.userId}`;
  return `ip:${(typeof ip === 'function' ? ip() : ip) ?? 'unknown'}`;
}
