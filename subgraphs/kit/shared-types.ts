/**
 * Value types that several subgraphs define identically. Federation 2 lets each subgraph
 * resolve them itself when they are marked @shareable.
 */
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { PARTNER } from './partner-tag';

@Directive('@shareable')
@Directive(PARTNER)
@ObjectType({ description: 'An amount of money in minor units (cents) of an ISO 4217 currency.' })
export class Money {
  @Field(() => Int, { description: 'Amount in minor units, e.g. 1999 for 19.99.' })
  amount!: number;

  @Field(() => String, { description: 'ISO 4217 currency code, e.g. "EUR".' })
  currency!: string;
}

export const money = (amount: number, currency: string): Money => Object.assign(new Money(), { amount, currency });

@Directive('@shareable')
@Directive(PARTNER)
@ObjectType({ description: 'Relay pagination state of a connection.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more items follow the last edge.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when this page was requested with an `after` cursor.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first edge, null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge; pass it as `after` for the next page.' })
  endCursor!: string | null;
}
