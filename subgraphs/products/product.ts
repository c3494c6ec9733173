import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { connectionTypes } from '../kit/pagination';
import { CACHEABLE } from '../kit/cacheable-tag';
import { PARTNER } from '../kit/partner-tag';
import { Money } from '../kit/shared-types';

@Directive('@key(fields: "id")')
@Directive(PARTNER)
@ObjectType({ description: 'An item of the catalogue.' })
export class Product {
  @Directive(CACHEABLE)
  @Field(() => ID, { description: 'Stable identifier of the product.' })
  id!: string;

  @Directive(CACHEABLE)
  @Field(() => String, { description: 'Stock keeping unit, unique across the catalogue.' })
  sku!: string;

  @Directive(CACHEABLE)
  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Directive(CACHEABLE)
  @Field(() => String, { description: 'Longer description for the product page.' })
  description!: string;

  @Directive(CACHEABLE)
  @Field(() => String, { description: 'Catalogue category, e.g. "Books".' })
  category!: string;

  @Directive(CACHEABLE)
  @Field(() => Money, { description: 'Current list price.' })
  price!: Money;

  @Directive(CACHEABLE)
  @Field(() => Int, { description: 'Units available to order now.' })
  stock!: number;
}

export const ProductConnection = connectionTypes(Product, 'Product', 'products', [PARTNER]);

@Directive('@inaccessible')
@InputType({ description: 'Internal: units of one product to reserve for an order.' })
export class StockItemInput {
  @Field(() => ID, { description: 'Product to reserve.' })
  productId!: string;

  @Field(() => Int, { description: 'Units to reserve.' })
  quantity!: number;
}

@Directive('@inaccessible')
@ObjectType({ description: 'Internal: units reserved for an order and the price they were reserved at.' })
export class ReservedItem {
  @Field(() => ID, { description: 'Reserved product.' })
  productId!: string;

  @Field(() => Int, { description: 'Units reserved.' })
  quantity!: number;

  @Field(() => Money, { description: 'Unit price at the moment of reservation.' })
  unitPrice!: Money;
}
