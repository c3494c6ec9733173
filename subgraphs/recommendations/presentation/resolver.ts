import { Arg, Ctx, Directive, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { PARTNER } from '../../kit/partner-tag';
import { pageSize } from '../../kit/pagination';
import { countImpressions } from '../experiments/attribution';
import { requireMayReadRecommendationsOf } from './recommendation.access';
import type { ProductFacts } from './business-rules';
import type { RecommendationsLoaders } from './loaders';
import { lists } from '../metrics';
import { rank, rankList } from './rank';
import { Product, Recommendation, RecommendationPlacement, User } from './recommendation';

type Context = SubgraphContext<RecommendationsLoaders>;

const MAX_RECOMMENDATIONS = 100;

/**
 * Facts of many products through the request's loader, so every field of one operation shares one
 * call; rejects when that call failed (the products service is unavailable), so rank() can say so.
 */
const factsVia = (loaders: RecommendationsLoaders) => async (ids: string[]) => {
  const facts = await loaders.productFacts.loadMany(ids);
  const failure = facts.find((fact) => fact instanceof Error);
  if (failure) throw failure;
  return new Map(ids.map((id, index) => [id, facts[index] as ProductFacts | null]));
};

@Resolver(() => User)
export class UserRecommendationsResolver {
  @FieldResolver(() => [Recommendation], {
    nullable: true,
    description:
      'Products this user is likely to want, best first: in stock, not already bought, varied in category (the user and admins only; empty for an erased user); null (with a SERVICE_UNAVAILABLE error) while the recommendations service is unavailable.',
  })
  async recommendations(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: 10, description: 'How many, 1 to 100.' }) first: number,
    @Arg('context', () => RecommendationPlacement, { defaultValue: RecommendationPlacement.HOME, description: 'Where they will be shown.' })
    context: RecommendationPlacement,
    @Ctx() { viewer, loaders }: Context,
  ): Promise<Recommendation[]> {
    requireMayReadRecommendationsOf(viewer, user.id);
    const size = pageSize(first, 'first', MAX_RECOMMENDATIONS);
    if (await loaders.erased.load(user.id)) return [];
    const [list, popular] = await Promise.all([loaders.userCandidates(context).load(user.id), loaders.resources.popularity.get()]);
    const { items, served } = await rankList(list, size, popular, factsVia(loaders));
    lists.inc({ served_by: served.servedBy, reason: served.reason });
    // After business rules and `first`: exactly what the client is shown is what the A/B counts.
    countImpressions(loaders.resources.impressions, user.id, context, items);
    return items;
  }
}

@Resolver(() => Product)
export class SimilarProductsResolver {
  @Directive(PARTNER)
  @FieldResolver(() => [Recommendation], {
    nullable: true,
    description:
      'Products like this one (item-to-item model, else co-purchases), in stock, best first; null (with a SERVICE_UNAVAILABLE error) while the recommendations service is unavailable.',
  })
  async similar(
    @Root() product: Product,
    @Arg('first', () => Int, { defaultValue: 10, description: 'How many, 1 to 100.' }) first: number,
    @Ctx() { loaders }: Context,
  ): Promise<Recommendation[]> {
    const size = pageSize(first, 'first', MAX_RECOMMENDATIONS);
    const [list, popular] = await Promise.all([loaders.similarCandidates.load(product.id), loaders.resources.popularity.get()]);
    return rank(list, size, popular, factsVia(loaders));
  }
}
