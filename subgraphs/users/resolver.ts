import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { notFound } from '../../platform/errors';
import type { SubgraphContext } from '../kit/context';
import { pageSize, toConnection } from '../kit/pagination';
import { requireAdmin, requireUser } from '../../platform/viewer';
import { requireMayReadUser } from './user.access';
import { listUsers, userCursor } from './data';
import type { UsersLoaders } from './loaders';
import { User, UserConnection } from './user';

type Context = SubgraphContext<UsersLoaders>;

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, {
    nullable: true,
    description:
      'The signed-in user; null with an UNAUTHENTICATED error without a valid token, or with a SERVICE_UNAVAILABLE error while the users service is unavailable.',
  })
  async me(@Ctx() { viewer, loaders }: Context): Promise<User> {
    const id = requireUser(viewer);
    const user = await loaders.user.load(id);
    if (!user) throw notFound('User', id);
    return user;
  }

  @Query(() => User, { nullable: true, description: 'A user by id: your own account, or any account for admins.' })
  async user(
    @Arg('id', () => ID, { description: 'Id of the user.' }) id: string,
    @Ctx() { viewer, loaders }: Context,
  ): Promise<User | null> {
    requireMayReadUser(viewer, id);
    return loaders.user.load(id);
  }

  @Query(() => UserConnection, {
    nullable: true,
    description: 'All users, in id order (admin only); null with an error when refused or while the users service is unavailable.',
  })
  async users(
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 1000).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() { viewer, prisma }: Context,
  ) {
    requireAdmin(viewer);
    const size = pageSize(first);
    return toConnection(await listUsers(prisma, size + 1, after), size, userCursor, Boolean(after));
  }
}
