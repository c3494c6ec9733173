/** The audit log as admins read it (main supergraph only: nothing here is tagged for the partner contract). */
import { Field, ID, ObjectType } from 'type-graphql';
import { connectionTypes } from '../kit/pagination';

@ObjectType({
  description:
    'One privileged action in the tamper-evident audit log (admin only): who did what to which id, when, from where and how it ended. Holds ids only: no names, e-mails, keys, URLs or request bodies.',
})
export class AuditRecord {
  @Field(() => String, { description: 'Position in the chain (a decimal integer): one more than the record before it, with no gaps.' })
  seq!: string;

  @Field(() => Date, { description: 'When the action was recorded.' })
  at!: Date;

  @Field(() => ID, { nullable: true, description: 'The user who acted; null for an anonymous caller or the platform itself.' })
  actorId!: string | null;

  @Field(() => [String], { description: "The actor's roles at the time (admin, customer, service, partner)." })
  actorRoles!: string[];

  @Field(() => String, {
    description:
      'What was done: product.stock.adjust, payment.refund, partner.create, partner.key.revoke, partner.key.rotate, partner.webhook.set, partner.webhook.replay, user.export.request, user.export.download, user.erasure.request, partner.key.used, admin.denied or audit.pruned.',
  })
  action!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The GraphQL field the action came through (Mutation.createPartner), or for audit.pruned the last pruned record as seq:hash.',
  })
  detail!: string | null;

  @Field(() => ID, { nullable: true, description: 'The id acted on (a product, payment, partner, key, delivery, user or data export).' })
  subjectId!: string | null;

  @Field(() => String, {
    description: 'Where the request came from: gateway (a signed-in client), partner-api, platform-service, anonymous or platform.',
  })
  origin!: string;

  @Field(() => String, { description: 'ok, denied, or error:<CODE> with the error code the caller got.' })
  outcome!: string;

  @Field(() => String, { description: 'The hash of the record before this one (64 zeros for the first).' })
  prevHash!: string;

  @Field(() => String, { description: "SHA-256 (hex) over this record's fields and prevHash; `npm run audit -- verify` recomputes it." })
  hash!: string;
}

export const AuditRecordConnection = connectionTypes(AuditRecord, 'AuditRecord', 'audit records');
