/**
 * What a publish leaves in the repository (docs/recommendations.md#what-publishing-keeps): the
 * versions the model's version policy serves, the newest `keepUnserved` of the others for
 * rollback, and whatever the policy served until this publish (a running server keeps serving it
 * until its next poll has loaded the new version). The rest is retired from disk. Every id map
 * left names no erased user: such an entry is blanked, its row kept so no index shifts.
 */
import { ERASED_USER, type IdMaps } from '../../platform/model-contract';
import { inferenceOptions } from '../../platform/config/options/inference';
import { openReading, readFeature } from '../../platform/config/read';
import type { VersionPolicy } from './model-config';
import { servedVersions } from './version-policy';

/** MODEL_KEEP_VERSIONS' declared default, for publishers not given the configured value. */
export const DEFAULT_KEEP_UNSERVED: number = readFeature(openReading({}, [inferenceOptions]), inferenceOptions).values.MODEL_KEEP_VERSIONS;

export interface RetentionOptions {
  /** Newest versions the policy no longer serves that stay on disk for rollback (MODEL_KEEP_VERSIONS). */
  keepUnserved?: number;
  /** Users erased from the platform: blanked in the id map of every version left on disk. */
  erasedUserIds?: Iterable<string>;
}

/**
 * The versions to retire, given every version now on disk (the one just published included) and
 * the policy written with it. Never the newest: version numbers count up from it, and a client
 * caches a version's id maps by its number, so a number must never come back.
 */
export function versionsToRetire(
  versions: number[],
  policy: VersionPolicy | undefined,
  servedBefore: number[],
  keepUnserved: number,
): number[] {
  if (versions.length === 0) return [];
  const served = new Set(servedVersions(policy, versions));
  const newest = Math.max(...versions);
  const unserved = versions.filter((v) => !served.has(v)).sort((a, b) => b - a);
  return unserved
    .slice(Math.max(0, keepUnserved))
    .filter((v) => v !== newest && !servedBefore.includes(v))
    .sort((a, b) => a - b);
}

/** The id maps with every erased user's entry blanked (rows unchanged); undefined when none is there. */
export function withoutErased(ids: IdMaps, erased: ReadonlySet<string>): IdMaps | undefined {
  if (erased.size === 0 || !ids.users?.some((id) => erased.has(id))) return undefined;
  return { ...ids, users: ids.users.map((id) => (erased.has(id) ? ERASED_USER : id)) };
}
