/**
 * Partners of the partner API and their keys, as admins manage them (main supergraph only: none
 * of these types is tagged for the partner contract), and the internal key check the gateway asks.
 */
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PartnerKeyStatus {
  ACTIVE = 'ACTIVE',
  ROTATED = 'ROTATED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

registerEnumType(PartnerKeyStatus, {
  name: 'PartnerKeyStatus',
  description: 'Whether a partner API key is accepted.',
  valuesConfig: {
    ACTIVE: { description: 'Accepted.' },
    ROTATED: { description: 'Replaced by a newer key; still accepted until expiresAt.' },
    EXPIRED: { description: 'Replaced by a newer key and past its grace period; refused.' },
    REVOKED: { description: 'Revoked by an admin; refused.' },
  },
});

@ObjectType({ description: 'An API key of a partner (admin only). The key itself is shown once, when issued; only its hash is stored.' })
export class PartnerKey {
  @Field(() => ID, { description: 'Stable identifier of the key (what revoke and rotate take).' })
  id!: string;

  @Field(() => String, { description: 'The characters after pk_live_ that identify the key in logs and lists; not a secret.' })
  prefix!: string;

  @Field(() => Date, { description: 'When the key was issued.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Set when the key was rotated: it is accepted until then.' })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the key was revoked; null while it is not.' })
  revokedAt!: Date | null;

  @Field(() => PartnerKeyStatus, { description: 'Whether the key is accepted now.' })
  status!: PartnerKeyStatus;
}

@ObjectType({ description: 'A partner of the partner API (admin only): who it acts as and what it may use.' })
export class Partner {
  @Field(() => ID, { description: 'Stable identifier of the partner.' })
  id!: string;

  @Field(() => String, { description: 'Unique name; labels the partner in metrics.' })
  name!: string;

  @Field(() => ID, { description: 'Id of the service-account user the partner acts as: its orders belong to this user.' })
  userId!: string;

  @Field(() => Int, { description: 'Requests per minute across all of its keys.' })
  requestsPerMinute!: number;

  @Field(() => Int, { description: 'The most query cost one of its operations may have (the gateway limit applies too).' })
  costBudget!: number;

  @Field(() => Date, { description: 'When the partner was created.' })
  createdAt!: Date;

  @Field(() => [PartnerKey], { description: 'Its keys, newest first, revoked and expired ones included.' })
  keys!: PartnerKey[];
}

@ObjectType({ description: 'A newly issued API key: the only time the key itself is ever shown.' })
export class IssuedPartnerKey {
  @Field(() => Partner, { description: 'The partner the key belongs to.' })
  partner!: Partner;

  @Field(() => PartnerKey, { description: 'The stored record of the key.' })
  key!: PartnerKey;

  @Field(() => String, { description: 'The key, to send as the x-api-key header; store it now, it cannot be shown again.' })
  apiKey!: string;
}

@InputType({ description: 'A new partner.' })
export class CreatePartnerInput {
  @Field(() => String, { description: 'Unique name: 1 to 64 letters, digits, spaces, dots, dashes or underscores.' })
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Requests per minute across its keys, 1 to 1000000 (default 600).' })
  requestsPerMinute?: number | null;

  @Field(() => Int, { nullable: true, description: 'The most query cost one operation may have, 1 to 1000000 (default 10000).' })
  costBudget?: number | null;
}

@Directive('@inaccessible')
@ObjectType({ description: 'Internal (gateway): what an API key identifies, when it is accepted.' })
export class PartnerKeyCheck {
  @Field(() => String, { description: 'valid, unknown, revoked or expired.' })
  outcome!: string;

  @Field(() => ID, { nullable: true, description: 'The partner, when valid.' })
  partnerId!: string | null;

  @Field(() => String, { nullable: true, description: "The partner's name, when valid." })
  partnerName!: string | null;

  @Field(() => ID, { nullable: true, description: 'The service-account user the partner acts as, when valid.' })
  userId!: string | null;

  @Field(() => Int, { nullable: true, description: "The partner's requests per minute, when valid." })
  requestsPerMinute!: number | null;

  @Field(() => Int, { nullable: true, description: "The partner's cost budget per operation, when valid." })
  costBudget!: number | null;

  @Field(() => Date, { nullable: true, description: 'When a rotated key stops being accepted; null when it does not expire.' })
  expiresAt!: Date | null;
}
