/**
 * The erased-subjects channel: how the users subgraph tells every gateway, right after an erasure
 * commits, that a user's tokens must stop working now (docs/privacy.md#erasure). It lives here,
 * in the shared contract module, because the gateway may not import subgraph code.
 *
 * It travels on the platform's broadcast, at most once: a gateway that misses it still learns of
 * the erasure from its periodic poll of the users subgraph, which is the guarantee; the message
 * only makes it sooner.
 */
import { defineChannel, type Channel } from './broadcast';

export interface SubjectErased {
  userId: string;
}

/** `<namespace>:erased-subjects` on Redis. */
export const ERASED_SUBJECTS: Channel<SubjectErased> = defineChannel('erased-subjects');
