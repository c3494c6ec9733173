/** Secrets of client tokens and of the claims services forward to each other. */
import { declareOptions, option } from '../option';

export const secretOptions = declareOptions('Authentication', {
  JWT_SECRET: option.string({
    defaultText: 'a `dev-only…` secret (refused in production)',
    description: 'HS256 secret of client tokens.',
    secret: true,
  }),
  JWKS_URL: option.string({ description: "Verify client tokens with an identity provider's keys instead (RS256/ES256)." }),
  INTERNAL_SECRET: option.string({
    defaultText: 'a `dev-only…` secret (refused in production)',
    description: 'Signs the claims the gateway and services forward to subgraphs (30 s JWTs).',
    secret: true,
  }),
});
