import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { UserSegment } from '../../prisma/generated/enums';
import { connectionTypes } from '../kit/pagination';

registerEnumType(UserSegment, {
  name: 'UserSegment',
  description: 'Marketing segment of a customer, derived from their purchase history.',
  valuesConfig: {
    NEW: { description: 'Signed up recently or has not ordered yet.' },
    REGULAR: { description: 'Orders from time to time.' },
    VIP: { description: 'One of the most frequent customers.' },
  },
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A customer account.' })
export class User {
  @Field(() => ID, { description: 'Stable identifier of the user.' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { description: 'E-mail address; visible to the user and to admins.' })
  email!: string;

  @Field(() => Date, { description: 'When the account was created.' })
  createdAt!: Date;

  @Field(() => UserSegment, { description: 'Marketing segment of the user.' })
  segment!: UserSegment;
}

export const UserConnection = connectionTypes(User, 'User', 'users');
