/** How gateways learn of erased users (docs/privacy.md#erasure; gateway/plugins/http/auth/erased-subjects.ts). */
import { declareOptions, option } from '../option';

export const erasureOptions = declareOptions('Erasure', {
  GATEWAY_ERASED_SUBJECTS_REFRESH_MS: option.int({
    default: 15_000,
    // Beyond the token cache's bound a withdrawn token would be refused later by erasure than by a key change.
    max: 60_000,
    maxReason: "an erased user's token must stop working within the token cache's bound (60 s)",
    description:
      "How often each gateway asks the users subgraph for users erased since its last answer: an erased user's token is refused within this (sooner when the erasure's broadcast arrives).",
  }),
  GATEWAY_ERASED_SUBJECTS_TIMEOUT_MS: option.int({
    default: 2_000,
    description: 'How long one such question may take; a users subgraph that does not answer leaves the last list in place.',
  }),
});
