/** Each client's request rate on an endpoint: by user id when its token was good, else by IP; 429 over it. */
import type { GatewayPlugin } from '../../../pipeline/plugin';
import { clientIp, clientKey, type TrustFunction } from '../client-identity';
import { answerRateLimit } from './answer';
import type { RateLimiter } from './limiter';

export function rateLimitPlugin(limiter: RateLimiter, trust: TrustFunction): GatewayPlugin {
  return {
    name: 'rate-limit',
    async onHttpRequest({ req, res, state }) {
      const verified = state.authenticationError === undefined ? state.viewer : undefined;
      return answerRateLimit(await limiter.consume(clientKey(verified, () => clientIp(req, trust))), res);
    },
  };
}
