import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput } from '../../platform/errors';
import { Audited } from '../kit/audit';
import type { SubgraphContext } from '../kit/context';
import { CACHEABLE } from '../kit/cacheable-tag';
import { PARTNER } from '../kit/partner-tag';
import { pageSize, toConnection } from '../kit/pagination';
import { money } from '../kit/shared-types';
import { requireMayChangeStock, requireMayReserveStock } from './product.access';
import { announceProductUpdates } from './changes';
import { listProducts, productCursor, reserveStock, setStock, toProduct } from './data';
import type { ProductsLoaders } from './loaders';
import { Product, ProductConnection, ReservedItem, StockItemInput } from './product';

type Context = SubgraphContext<ProductsLoaders>;

const MAX_STOCK = 1_000_000;

@Resolver(() => Product)
export class ProductResolver {
  @Directive(PARTNER)
  @Directive(CACHEABLE)
  @Query(() => Product, { nullable: true, description: 'A product by id, or null when there is none.' })
  async product(
    @Arg('id', () => ID, { description: 'Id of the product.' }) id: string,
    @Ctx() { loaders }: Context,
  ): Promise<Product | null> {
    const row = await loaders.product.load(id);
    return row ? toProduct(row) : null;
  }

  @Directive(PARTNER)
  @Directive(CACHEABLE)
  @Query(() => ProductConnection, {
    nullable: true,
    description:
      'Browse the catalogue, optionally by category or search text; null (with a SERVICE_UNAVAILABLE error) while the products service is unavailable.',
  })
  async products(
    @Arg('category', () => String, { nullable: true, description: 'Only products of this category.' }) category: string | null,
    @Arg('search', () => String, { nullable: true, description: 'Case-insensitive text in the name, or an exact SKU.' })
    search: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 1000).' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor after which the page starts.' }) after: string | null,
    @Ctx() { prisma }: Context,
  ) {
    const size = pageSize(first);
    if (search && search.length > 200) throw badInput('search', 'must be at most 200 characters');
    // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
    if (search?.includes('\u0000')) throw badInput('search', 'must not contain NUL characters');
    const rows = await listProducts(prisma, { category, search }, size + 1, after);
    return toConnection(rows, size, productCursor, Boolean(after), toProduct);
  }

  @Audited('product.stock.adjust', { subject: ({ args }) => args.productId })
  @Mutation(() => Product, { description: 'Set the units in stock of a product (admin only).' })
  async setProductStock(
    @Arg('productId', () => ID, { description: 'Product to change.' }) productId: string,
    @Arg('stock', () => Int, { description: `New units in stock, 0 to ${MAX_STOCK}.` }) stock: number,
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<Product> {
    requireMayChangeStock(viewer);
    if (stock < 0 || stock > MAX_STOCK) throw badInput('stock', `must be between 0 and ${MAX_STOCK}, got ${stock}`);
    const row = await setStock(prisma, productId, stock);
    await announceProductUpdates(loaders.changes, [row.id]);
    return toProduct(row);
  }

  @Directive('@inaccessible')
  @Mutation(() => [ReservedItem], {
    description: 'Internal (orders service): take units out of stock for an order, idempotent per reservationId.',
  })
  async reserveStock(
    @Arg('reservationId', () => String, { description: 'Idempotency key of the reservation.' }) reservationId: string,
    @Arg('items', () => [StockItemInput], { description: 'Products and units to reserve.' }) items: StockItemInput[],
    @Ctx() { viewer, prisma, loaders }: Context,
  ): Promise<ReservedItem[]> {
    requireMayReserveStock(viewer);
    const rows = await reserveStock(prisma, reservationId, items);
    // A replayed reservation changed nothing, but announcing it again costs one message and is harmless.
    await announceProductUpdates(
      loaders.changes,
      rows.map((row) => row.productId),
    );
    return rows.map((row) =>
      Object.assign(new ReservedItem(), {
        productId: row.productId,
        quantity: row.quantity,
        unitPrice: money(row.unitPriceAmount, row.currency),
      }),
    );
  }
}
