import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { badInput } from '../../platform/errors';
import type { SubgraphContext } from '../kit/context';
import { requireSelfOrAdmin } from '../kit/viewer';
import type { RecommendationsLoaders } from './loaders';
import { popularFor, similarTo } from './popularity';
import { Product, Recommendation, User } from './recommendation';

type Context = SubgraphContext<RecommendationsLoaders>;

const MAX_RECOMMENDATIONS = 100;

function count(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_RECOMMENDATIONS) {
    throw badInput('first', `must be between 1 and ${MAX_RECOMMENDATIONS}, got ${first}`);
  }
  return first;
}

@Resolver(() => User)
export class UserRecommendationsResolver {
  @FieldResolver(() => [Recommendation], { description: 'Products this user is likely to want, best first (the user and admins only).' })
  async recommendations(
    @Root() user: User,
    @Arg('first', () => Int, { defaultValue: 10, description: 'How many, 1 to 100.' }) first: number,
    @Ctx() { viewer, loaders }: Context,
  ): Promise<Recommendation[]> {
    requireSelfOrAdmin(viewer, user.id, 'recommendations');
    const [popular, purchases] = await Promise.all([loaders.popularity.get(), loaders.purchasesOfUser.load(user.id)]);
    return popularFor(popular, new Set(purchases.map((purchase) => purchase.productId)), count(first));
  }
}

@Resolver(() => Product)
export class SimilarProductsResolver {
  @FieldResolver(() => [Recommendation], { description: 'Products often bought together with this one, best first.' })
  async similar(
    @Root() product: Product,
    @Arg('first', () => Int, { defaultValue: 10, description: 'How many, 1 to 100.' }) first: number,
    @Ctx() { loaders }: Context,
  ): Promise<Recommendation[]> {
    const size = count(first);
    const [popular, coBought] = await Promise.all([loaders.popularity.get(), loaders.coPurchases.load(product.id)]);
    return similarTo(product.id, coBought, popular, size);
  }
}
