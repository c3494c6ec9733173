/**
 * The entity cache's tag: `@Directive(CACHEABLE)` on a field says its answer is the same for every
 * viewer, so the gateway may serve it to anyone from its entity cache (gateway/plugins/subgraph-fetch/entity-cache). A
 * fetch is cached only when every field it selects is tagged (the fields of value types under a
 * tagged field, like Money or PageInfo, come with it). Tag only what is announced when it changes
 * (platform/entity-changes.ts), or what may be stale for the cache's TTL.
 */
import { CACHEABLE_TAG_NAME } from '../../platform/entity-changes';

export const CACHEABLE = `@tag(name: "${CACHEABLE_TAG_NAME}")`;
