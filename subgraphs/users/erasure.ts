/**
 * A user's erasure ("forget me") as the API shows it: who, when, and each subgraph's part with what
 * it deleted and pseudonymised, the proof the erasure happened (docs/privacy.md#erasure). Main
 * supergraph only: nothing here is tagged for the partner contract.
 */
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ErasureStatus {
  PENDING = 'PENDING',
  COMPLETED = 'COMPLETED',
}

registerEnumType(ErasureStatus, {
  name: 'ErasureStatus',
  description: 'Whether every subgraph has done its part of an erasure.',
  valuesConfig: {
    PENDING: { description: 'The account is gone; at least one subgraph has not reported its part yet (it does when it is available).' },
    COMPLETED: { description: 'Every subgraph reported its part done.' },
  },
});

@ObjectType({ description: "One subgraph's part of an erasure and what it did." })
export class ErasurePart {
  @Field(() => String, { description: 'The subgraph: users, orders, payments or recommendations.' })
  subgraph!: string;

  @Field(() => Date, { nullable: true, description: 'When the subgraph finished its part; null until it has.' })
  completedAt!: Date | null;

  @Field(() => Int, { description: "Rows the subgraph deleted (the account, interactions, hidden products, the user's purchases)." })
  deleted!: number;

  @Field(() => Int, {
    description: 'Rows kept for bookkeeping with the user id replaced by a random pseudonym (orders, placement claims, payments).',
  })
  pseudonymised!: number;
}

@ObjectType({ description: "A user's erasure: the account is deleted at once, every subgraph then removes or pseudonymises its records." })
export class Erasure {
  @Field(() => ID, { description: 'Stable identifier of the erasure.' })
  id!: string;

  @Field(() => ID, { description: 'Id of the erased user (no longer resolvable to an account).' })
  subjectId!: string;

  @Field(() => ErasureStatus, { description: 'COMPLETED once every part is.' })
  status!: ErasureStatus;

  @Field(() => Date, { description: 'When the erasure was requested (and the account deleted).' })
  requestedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the last part was done; null while one is pending.' })
  completedAt!: Date | null;

  @Field(() => [ErasurePart], { description: "Each subgraph's part, in subgraph order." })
  parts!: ErasurePart[];
}

@Directive('@inaccessible')
@ObjectType({ description: 'Internal (gateway): an erased user whose tokens must be refused.' })
export class ErasedSubject {
  @Field(() => ID, { description: 'Id of the erased user.' })
  userId!: string;

  @Field(() => Date, { description: 'When the user was erased.' })
  erasedAt!: Date;
}
