/**
 * The A/B between the one-stage and the two-stage pipeline. Each user's arm is fixed by a stable
 * hash of their id, so a user keeps one pipeline in every replica and across restarts while the
 * split holds; every list says which pipeline made it. A batch is split, not serialised: each
 * source gets its subset in one call, so one operation still costs one request per model.
 *
 * The two-stage pipeline may be missing (not configured, or its models not in the repository):
 * its users are then served one-stage and tagged so, which keeps the comparison honest (an item
 * never claims a pipeline that did not make it).
 */
import type { Logger } from '../../../platform/logger';
import { stableHash } from '../../../platform/stable-hash';
import { variantFallbacks } from '../metrics';
import { RecommendationVariant, type RecommendationPlacement } from '../presentation/recommendation';
import type { CandidateList, UserCandidateSource } from '../pipelines/candidate-source';

/** The arm a user belongs to at `twoStagePercent` (0–100): the same answer everywhere, for tests and the bench too. */
export function assignedVariant(userId: string, twoStagePercent: number): RecommendationVariant {
  return stableHash(userId) % 100 < twoStagePercent ? RecommendationVariant.TWO_STAGE : RecommendationVariant.ONE_STAGE;
}

export class VariantRouter implements UserCandidateSource {
  constructor(
    private readonly oneStage: UserCandidateSource,
    private readonly twoStage: UserCandidateSource | undefined,
    private readonly twoStagePercent: number,
    private readonly log: Logger,
  ) {
    if (!twoStage && twoStagePercent > 0) {
      log.warn({ twoStagePercent }, 'no two-stage recommendation pipeline: its share of users is served one-stage');
    }
  }

  async forUsers(userIds: string[], placement: RecommendationPlacement): Promise<CandidateList[]> {
    const assigned = userIds.map((id) => assignedVariant(id, this.twoStagePercent));
    const twoStageUsers = userIds.filter((_, index) => assigned[index] === RecommendationVariant.TWO_STAGE);
    if (twoStageUsers.length > 0 && !this.twoStage) variantFallbacks.inc({ reason: 'absent' }, twoStageUsers.length);
    const tryTwoStage = this.twoStage !== undefined && twoStageUsers.length > 0;
    const oneStageUsers = tryTwoStage ? userIds.filter((_, index) => assigned[index] === RecommendationVariant.ONE_STAGE) : userIds;

    // Both pipelines at once: in series, every mixed batch would wait for the sum of their latencies.
    const [twoStageAnswer, oneStageLists] = await Promise.all([
      tryTwoStage
        ? this.twoStage!.forUsers(twoStageUsers, placement).then(checkedLength(twoStageUsers), (error: unknown) => error)
        : undefined,
      oneStageUsers.length > 0 ? this.oneStage.forUsers(oneStageUsers, placement) : [],
    ]);
    const served = new Map<string, CandidateList>();
    // A list a pipeline stepped down for says which one served it.
    const tag = (ids: string[], lists: CandidateList[], variant: RecommendationVariant) =>
      ids.forEach((id, index) => served.set(id, { ...lists[index], variant: lists[index].variant ?? variant }));
    tag(oneStageUsers, oneStageLists, RecommendationVariant.ONE_STAGE);
    if (Array.isArray(twoStageAnswer)) {
      tag(twoStageUsers, twoStageAnswer, RecommendationVariant.TWO_STAGE);
    } else if (tryTwoStage) {
      // The one path that costs a second one-stage call: the pipeline that should have served these users could not.
      variantFallbacks.inc({ reason: 'failed' }, twoStageUsers.length);
      this.log.warn(
        { err: twoStageAnswer, users: twoStageUsers.length },
        'two-stage recommendations failed; serving those users one-stage',
      );
      tag(twoStageUsers, await this.oneStage.forUsers(twoStageUsers, placement), RecommendationVariant.ONE_STAGE);
    }
    return userIds.map((id) => served.get(id)!);
  }

  async invalidate(userId: string): Promise<void> {
    // Both: the split may change while the user's lists are cached.
    await Promise.all([this.oneStage.invalidate(userId), this.twoStage?.invalidate(userId)]);
  }
}

/** A source that answers for fewer users than asked is broken; treated like one that rejected. */
const checkedLength = (userIds: string[]) => (lists: CandidateList[]) => {
  if (lists.length !== userIds.length) return new Error(`two-stage source answered ${lists.length} lists for ${userIds.length} users`);
  return lists;
};
