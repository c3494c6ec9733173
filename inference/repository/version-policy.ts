/** Which of the versions on disk a model serves, as Triton's version_policy decides it. */
import type { VersionPolicy } from './model-config';

/** Default is Triton's: the latest one version. */
export function servedVersions(policy: VersionPolicy | undefined, available: number[]): number[] {
  const sorted = [...available].sort((a, b) => a - b);
  if (!policy) return sorted.slice(-1);
  if ('all' in policy) return sorted;
  if ('specific' in policy) return sorted.filter((v) => policy.specific.versions.includes(v));
  return sorted.slice(-Math.max(1, policy.latest.num_versions));
}
