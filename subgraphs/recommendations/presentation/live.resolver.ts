import { Arg, Ctx, ID, Mutation, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { badInput, ErrorCode, notFound } from '../../../platform/errors';
import type { SubgraphContext } from '../../kit/context';
import { requireUser } from '../../../platform/viewer';
import { requireMayReadRecommendationsOf } from './recommendation.access';
import { InteractionKind } from '../../../prisma/generated/enums';
import { countInteractions } from '../experiments/attribution';
import { blockProduct, recordInteraction } from '../data';
import type { RecommendationsUpdated } from '../updates/live';
import { refreshRecommendations } from '../updates/refresh';
import type { RecommendationsLoaders } from './loaders';
import { Interaction, Product, RecommendationsUpdate, toUpdate } from './recommendation';
import { GraphQLError } from 'graphql';

type Context = SubgraphContext<RecommendationsLoaders>;

const PRODUCT_EXISTS = `query ProductExists($id: ID!) { product(id: $id) { id } }`;

@Resolver(() => RecommendationsUpdate)
export class LiveRecommendationsResolver {
  @Subscription(() => RecommendationsUpdate, {
    description:
      "Pushes a user's fresh recommendations whenever an order, an interaction or a new model changes them, and the current ones (trigger RESYNC) when updates may have been missed (the user and admins only).",
    subscribe: async ({ args, context }: SubscribeResolverData<unknown, { userId: string }, Context>) => {
      requireMayReadRecommendationsOf(context.viewer, args.userId);
      if (await context.loaders.erased.load(args.userId)) throw notFound('User', args.userId);
      return context.loaders.resources.live.watch(args.userId);
    },
  })
  recommendationsUpdated(
    @Root() update: RecommendationsUpdated,
    @Arg('userId', () => ID, { description: 'The user whose updates to receive.' }) _userId: string,
  ): RecommendationsUpdate {
    return toUpdate(update);
  }

  @Mutation(() => Boolean, { description: 'Never recommend this product to the signed-in user again ("not interested").' })
  async hideRecommendation(
    @Arg('productId', () => ID, { description: 'The product to hide.' }) productId: string,
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<boolean> {
    const userId = requireUser(viewer);
    await blockProduct(prisma, userId, productId);
    await refreshRecommendations(loaders.resources, userId, 'INTERACTION');
    return true;
  }

  @Mutation(() => Interaction, { description: 'Record that the signed-in user viewed a product or added it to the cart.' })
  async recordInteraction(
    @Arg('productId', () => ID, { description: 'The product interacted with.' }) productId: string,
    @Arg('kind', () => InteractionKind, { description: 'What the user did.' }) kind: InteractionKind,
    @Ctx() { viewer, prisma, outbox, services, loaders }: Context,
  ): Promise<Interaction> {
    const userId = requireUser(viewer);
    const { product } = await services
      .request<{ product: { id: string } | null }>('products', PRODUCT_EXISTS, { id: productId }, viewer)
      .catch((error: unknown) => {
        if (error instanceof GraphQLError && error.extensions.code === ErrorCode.BAD_USER_INPUT) return { product: null };
        throw error;
      });
    if (!product) throw badInput('productId', `no product with id ${productId}`);
    const row = await outbox.transaction(prisma, async (tx, emit) => {
      const recorded = await recordInteraction(tx, { userId, productId, kind });
      await emit('interaction.recorded', { userId, productId, kind, occurredAt: recorded.createdAt.toISOString() });
      return recorded;
    });
    // Not awaited: the A/B's attribution (a Redis read) must never slow or fail the mutation.
    void countInteractions(loaders.resources.impressions, userId, [productId], kind);
    return Object.assign(new Interaction(), {
      id: row.id,
      product: Object.assign(new Product(), { id: productId }),
      kind: row.kind,
      createdAt: row.createdAt,
    });
  }
}
