/**
 * The products part of a personal data export (platform/privacy-export.ts). The catalogue and its
 * stock reservations (keyed by order, not by user) hold nothing about a user; the part says so,
 * so an archive shows every subgraph was asked rather than leaving one out. Internal, like
 * ordersPersonalData.
 */
import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { PRODUCTS_NOTICE, type ProductsPart } from '../../platform/privacy-export';
import { requireService } from '../../platform/viewer';
import type { SubgraphContext } from '../kit/context';

export const productsPart = (): ProductsPart => ({ subgraph: 'products', holdsPersonalData: false, notice: PRODUCTS_NOTICE });

@Resolver()
export class ProductsPersonalDataResolver {
  @Directive('@inaccessible')
  @Query(() => String, {
    description:
      "Internal (users export worker): the products part of the user's personal data export, as JSON (docs/privacy-export.schema.json).",
  })
  productsPersonalData(
    @Arg('userId', () => ID, { description: 'The user the export is about.' }) _userId: string,
    @Ctx() { viewer }: SubgraphContext,
  ): string {
    requireService(viewer);
    return JSON.stringify(productsPart());
  }
}
