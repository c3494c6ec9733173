import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { erasures } from '../../platform/metrics';
import { canRead, requireAllowed, requireService, requireUser } from '../../platform/viewer';
import { Audited } from '../kit/audit';
import type { SubgraphContext } from '../kit/context';
import { ErasedSubject, Erasure } from './erasure';
import { erasedSubjectsSince, findErasure, requestErasure, toErasure } from './erasure.data';
import type { UsersResources } from './resources';
import { ERASED_SUBJECTS } from '../../platform/erased-subjects';

type Context = SubgraphContext<{ resources: UsersResources }>;

/** Erasure ("forget me"): the user themself or an admin asks; the gateway polls the erased subjects (internal). */
@Resolver(() => Erasure)
export class ErasureResolver {
  @Audited('user.erasure.request', { subject: ({ args }) => args.userId })
  @Mutation(() => Erasure, {
    description:
      "Erase a user (the user themself, or an admin): the account is deleted at once, the user's tokens stop working within the gateway's bound, and every subgraph deletes or pseudonymises their records (docs/privacy.md#erasure). Asking again returns the same erasure. CONFLICT for a partner's service account.",
  })
  async requestErasure(
    @Arg('userId', () => ID, { description: 'The user to erase.' }) userId: string,
    @Ctx() { viewer, prisma, outbox, loaders, log }: Context,
  ): Promise<Erasure> {
    const requester = requireUser(viewer);
    requireAllowed(viewer, canRead(viewer, userId), 'You may erase only your own account');
    const { erasure, created } = await requestErasure(prisma, outbox, userId, requester);
    if (created) {
      erasures.inc({ status: 'requested' });
      log.info({ erasureId: erasure.id }, 'user erased; subgraphs complete their parts through the outbox');
      // Sooner than the gateways' poll, which is what guarantees the bound; never throws.
      await loaders.resources.broadcast.publish(ERASED_SUBJECTS, { userId });
    }
    return toErasure(erasure);
  }

  @Query(() => Erasure, { nullable: true, description: 'An erasure by id: the user who asked for it, or an admin.' })
  async erasure(
    @Arg('id', () => ID, { description: 'Id of the erasure.' }) id: string,
    @Ctx() { viewer, prisma }: Context,
  ): Promise<Erasure | null> {
    requireUser(viewer);
    const row = await findErasure(prisma, id);
    // Someone else's erasure reads as absent: its id reveals nothing.
    if (!row || !canRead(viewer, row.requestedBy)) return null;
    return toErasure(row);
  }

  @Directive('@inaccessible')
  @Query(() => [ErasedSubject], {
    description: 'Internal (gateway): users erased at or after `since` (all without it), oldest first, at most 1000 per call.',
  })
  async erasedSubjects(
    @Arg('since', () => Date, { nullable: true, description: 'The erasure time of the last subject the caller holds.' }) since: Date | null,
    @Ctx() { viewer, loaders }: Context,
  ): Promise<ErasedSubject[]> {
    requireService(viewer);
    return erasedSubjectsSince(loaders.resources.background, since);
  }
}
