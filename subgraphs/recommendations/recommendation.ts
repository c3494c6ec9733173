import { Directive, Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum RecommendationReason {
  POPULAR = 'POPULAR',
  CO_PURCHASED = 'CO_PURCHASED',
}

registerEnumType(RecommendationReason, {
  name: 'RecommendationReason',
  description: 'Why a product was recommended.',
  valuesConfig: {
    POPULAR: { description: 'Bought by many customers recently.' },
    CO_PURCHASED: { description: 'Often bought by the same customers as the product in question.' },
  },
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A product of the catalogue (owned by the products subgraph).' })
export class Product {
  @Field(() => ID, { description: 'Id of the product.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A customer account (owned by the users subgraph).' })
export class User {
  @Field(() => ID, { description: 'Id of the user.' })
  id!: string;
}

@ObjectType({ description: 'A product suggested to a user or next to another product.' })
export class Recommendation {
  @Field(() => Product, { description: 'The recommended product.' })
  product!: Product;

  @Field(() => Float, { description: 'Relevance between 0 and 1; higher is better.' })
  score!: number;

  @Field(() => RecommendationReason, { description: 'Why it is recommended.' })
  reason!: RecommendationReason;
}

export function recommendation(productId: string, score: number, reason: RecommendationReason): Recommendation {
  return Object.assign(new Recommendation(), { product: Object.assign(new Product(), { id: productId }), score, reason });
}
