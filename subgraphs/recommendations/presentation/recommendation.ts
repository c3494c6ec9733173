import { Directive, Field, Float, ID, ObjectType, registerEnumType } from 'type-graphql';
import { InteractionKind } from '../../../prisma/generated/enums';
import type { RecommendationsUpdated } from '../updates/live';
import { PARTNER } from '../../kit/partner-tag';

export enum RecommendationReason {
  MODEL = 'MODEL',
  SIMILAR_TO_RECENT = 'SIMILAR_TO_RECENT',
  SIMILAR_ITEM = 'SIMILAR_ITEM',
  POPULAR = 'POPULAR',
  CO_PURCHASED = 'CO_PURCHASED',
}

registerEnumType(RecommendationReason, {
  name: 'RecommendationReason',
  description: 'Why a product was recommended.',
  valuesConfig: {
    MODEL: { description: "Predicted by the model from the user's purchase history." },
    SIMILAR_TO_RECENT: { description: 'Similar to products the user just viewed or added to the cart.' },
    SIMILAR_ITEM: { description: 'The model finds it similar to the product in question.' },
    POPULAR: { description: 'Bought by many customers recently.' },
    CO_PURCHASED: { description: 'Often bought by the same customers as the product in question.' },
  },
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A product of the catalogue (owned by the products subgraph).' })
export class Product {
  @Directive(PARTNER)
  @Field(() => ID, { description: 'Id of the product.' })
  id!: string;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A customer account (owned by the users subgraph).' })
export class User {
  @Field(() => ID, { description: 'Id of the user.' })
  id!: string;
}

/** Which part of the pipeline could not answer, so the list was made without it. */
export enum DegradedReason {
  MODEL_UNAVAILABLE = 'MODEL_UNAVAILABLE',
  PRODUCTS_UNAVAILABLE = 'PRODUCTS_UNAVAILABLE',
}

registerEnumType(DegradedReason, {
  name: 'DegradedReason',
  description: 'What could not answer when recommendations were made, and what that costs.',
  valuesConfig: {
    MODEL_UNAVAILABLE: { description: 'The model was down, slow or overloaded: popularity answered instead.' },
    PRODUCTS_UNAVAILABLE: {
      description: 'The products service was unavailable: stock and category were not checked, so out-of-stock items may appear.',
    },
  },
});

/** Which recommendation pipeline served a user's list: the arms of the A/B between them. */
export enum RecommendationVariant {
  ONE_STAGE = 'ONE_STAGE',
  TWO_STAGE = 'TWO_STAGE',
}

registerEnumType(RecommendationVariant, {
  name: 'RecommendationVariant',
  description:
    "Which recommendation pipeline served a user's recommendations; users are split between them by a stable hash of their id (RECOMMENDATIONS_TWO_STAGE_PERCENT).",
  valuesConfig: {
    ONE_STAGE: { description: 'One model (collaborative filtering) blended with session signals by fixed weights.' },
    TWO_STAGE: { description: 'Several recall sources whose candidates a learned ranking model orders.' },
  },
});

@ObjectType({ description: 'A product suggested to a user or next to another product.' })
export class Recommendation {
  @Directive(PARTNER)
  @Field(() => ID, { description: 'Id of the recommended product; known even when the product itself is unavailable.' })
  productId!: string;

  // Nullable: its details come from the products subgraph, whose outage must null only this field.
  @Directive(PARTNER)
  @Field(() => Product, {
    nullable: true,
    description: 'The recommended product; null (with a SERVICE_UNAVAILABLE error) while the products service is unavailable.',
  })
  product!: Product | null;

  @Directive(PARTNER)
  @Field(() => Float, { description: 'Relevance between 0 and 1; higher is better.' })
  score!: number;

  @Directive(PARTNER)
  @Field(() => RecommendationReason, { description: 'Why it is recommended.' })
  reason!: RecommendationReason;

  @Field(() => String, { nullable: true, description: 'Version of the model that produced it; null for rule-based fill-ins.' })
  modelVersion!: string | null;

  @Directive(PARTNER)
  @Field(() => Boolean, {
    description:
      'True when part of the pipeline could not answer (the model, or the products service) and the item was chosen without it; degradedReasons says which.',
  })
  degraded!: boolean;

  @Directive(PARTNER)
  @Field(() => [DegradedReason], { description: 'Why the item is degraded; empty when it is not.' })
  degradedReasons!: DegradedReason[];

  // Nullable: Product.similar is not part of the experiment (one pipeline serves it), so its items carry none.
  @Field(() => RecommendationVariant, {
    nullable: true,
    description:
      "Which pipeline served it, for User.recommendations (and their live updates) only: the user's arm of the A/B between pipelines; null on Product.similar, which is not part of that experiment.",
  })
  variant!: RecommendationVariant | null;
}

export function recommendation(
  productId: string,
  score: number,
  reason: RecommendationReason,
  provenance: { modelVersion?: string | null; degradedReasons?: readonly DegradedReason[]; variant?: RecommendationVariant | null } = {},
): Recommendation {
  const degradedReasons = [...(provenance.degradedReasons ?? [])];
  return Object.assign(new Recommendation(), {
    productId,
    product: Object.assign(new Product(), { id: productId }),
    score,
    reason,
    modelVersion: provenance.modelVersion ?? null,
    degraded: degradedReasons.length > 0,
    degradedReasons,
    variant: provenance.variant ?? null,
  });
}

export enum RecommendationPlacement {
  HOME = 'HOME',
  CART = 'CART',
}

registerEnumType(RecommendationPlacement, {
  name: 'RecommendationPlacement',
  description: 'Where the recommendations will be shown; it sets how much the current session counts.',
  valuesConfig: {
    HOME: { description: 'Home page or feed: long-term taste first, the session shifts it.' },
    CART: { description: 'Next to the cart: what the user is doing right now counts most.' },
  },
});

export enum RecommendationTrigger {
  ORDER_PLACED = 'ORDER_PLACED',
  INTERACTION = 'INTERACTION',
  MODEL_UPDATED = 'MODEL_UPDATED',
  RESYNC = 'RESYNC',
}

registerEnumType(RecommendationTrigger, {
  name: 'RecommendationTrigger',
  description: 'What caused recommendations to be refreshed.',
  valuesConfig: {
    ORDER_PLACED: { description: 'The user placed an order.' },
    INTERACTION: { description: 'The user viewed a product or added one to the cart.' },
    MODEL_UPDATED: { description: 'A new model version went live.' },
    RESYNC: { description: 'Updates may have been missed (the live feed was interrupted): these are the recommendations now.' },
  },
});

registerEnumType(InteractionKind, {
  name: 'InteractionKind',
  description: 'A signal from a shopping session.',
  valuesConfig: {
    VIEW: { description: 'The user looked at the product page.' },
    ADD_TO_CART: { description: 'The user put the product in the cart.' },
  },
});

@ObjectType({ description: "A fresh list of a user's recommendations, pushed when something changed them." })
export class RecommendationsUpdate {
  @Field(() => ID, { description: 'Whose recommendations these are.' })
  userId!: string;

  @Field(() => RecommendationTrigger, { description: 'What caused the refresh.' })
  trigger!: RecommendationTrigger;

  @Field(() => [Recommendation], { description: 'The recommendations now, best first.' })
  items!: Recommendation[];

  @Field(() => Date, { description: 'When the update was published; compare with receipt time for latency.' })
  publishedAt!: Date;
}

export function toUpdate(update: RecommendationsUpdated): RecommendationsUpdate {
  return Object.assign(new RecommendationsUpdate(), {
    userId: update.userId,
    trigger: update.trigger as RecommendationTrigger,
    items: update.items.map((item) =>
      recommendation(item.productId, item.score, item.reason as RecommendationReason, {
        modelVersion: item.modelVersion,
        // Events published before degradedReasons existed carry only the flag.
        degradedReasons:
          (item.degradedReasons as DegradedReason[] | undefined) ?? (item.degraded ? [DegradedReason.MODEL_UNAVAILABLE] : []),
        // Events published before the A/B carry none.
        variant: (item.variant as RecommendationVariant | null | undefined) ?? null,
      }),
    ),
    publishedAt: new Date(update.publishedAt),
  });
}

@ObjectType({ description: 'A recorded session signal.' })
export class Interaction {
  @Field(() => ID, { description: 'Identifier of the interaction.' })
  id!: string;

  // Nullable: its details come from the products subgraph, whose outage must null only this field.
  @Field(() => Product, {
    nullable: true,
    description: 'The product interacted with; null (with a SERVICE_UNAVAILABLE error) while the products service is unavailable.',
  })
  product!: Product | null;

  @Field(() => InteractionKind, { description: 'What the user did.' })
  kind!: InteractionKind;

  @Field(() => Date, { description: 'When it happened.' })
  createdAt!: Date;
}
