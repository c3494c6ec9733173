import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Logger } from '../../platform/logger';
import { auditAppendFailures } from '../../platform/metrics';
import { requireAdmin, requireService } from '../../platform/viewer';
import { Audited, recordKeyUse } from '../kit/audit';
import type { SubgraphContext } from '../kit/context';
import { CreatePartnerInput, IssuedPartnerKey, Partner, PartnerKey, PartnerKeyCheck } from './partner';
import { checkKey, createPartner, listPartners, MAX_GRACE_SECONDS, revokeKey, rotateKey } from './partner.data';

const DEFAULT_GRACE_SECONDS = 24 * 3600;

function recordingFailed(log: Logger, error: unknown): void {
  auditAppendFailures.inc({ action: 'partner.key.used' });
  log.error({ err: error }, 'audit record of a partner key use not written');
}

/** Partners and their API keys: admins manage them; the gateway checks keys (internal). */
@Resolver(() => Partner)
export class PartnerResolver {
  @Query(() => [Partner], { description: 'Every partner of the partner API with its keys, oldest first (admin only).' })
  async partners(@Ctx() { viewer, prisma }: SubgraphContext): Promise<Partner[]> {
    requireAdmin(viewer);
    return listPartners(prisma);
  }

  @Audited('partner.create', { subject: ({ result }) => (result as IssuedPartnerKey | undefined)?.partner.id })
  @Mutation(() => IssuedPartnerKey, {
    description: 'Create a partner, its service-account user and its first API key (admin only); the key is returned this once.',
  })
  async createPartner(
    @Arg('input', () => CreatePartnerInput, { description: 'Name and limits of the partner.' }) input: CreatePartnerInput,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<IssuedPartnerKey> {
    requireAdmin(viewer);
    return createPartner(prisma, input);
  }

  @Audited('partner.key.revoke', { subject: ({ args }) => args.keyId })
  @Mutation(() => PartnerKey, {
    description: 'Revoke an API key now (admin only); gateways refuse it once their key cache expires. Revoking twice changes nothing.',
  })
  async revokePartnerKey(
    @Arg('keyId', () => ID, { description: 'Id of the key.' }) keyId: string,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<PartnerKey> {
    requireAdmin(viewer);
    return revokeKey(prisma, keyId);
  }

  @Audited('partner.key.rotate', { subject: ({ args }) => args.keyId })
  @Mutation(() => IssuedPartnerKey, {
    description: 'Issue a new key for the partner of an active key (admin only); the old key keeps working for the grace period.',
  })
  async rotatePartnerKey(
    @Arg('keyId', () => ID, { description: 'Id of the active key to replace.' }) keyId: string,
    @Arg('graceSeconds', () => Int, {
      nullable: true,
      description: `Seconds the old key stays valid, 0 to ${MAX_GRACE_SECONDS} (default ${DEFAULT_GRACE_SECONDS}, a day).`,
    })
    graceSeconds: number | null,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<IssuedPartnerKey> {
    requireAdmin(viewer);
    return rotateKey(prisma, keyId, graceSeconds ?? DEFAULT_GRACE_SECONDS);
  }

  @Directive('@inaccessible')
  @Query(() => PartnerKeyCheck, { description: 'Internal (gateway): the partner an API key identifies, or why it is refused.' })
  async partnerByApiKey(
    @Arg('key', () => String, { description: 'The x-api-key header as sent.' }) key: string,
    @Ctx() { viewer, prisma, log }: SubgraphContext,
  ): Promise<PartnerKeyCheck> {
    requireService(viewer);
    const { check, keyId } = await checkKey(prisma, key);
    if (keyId && check.userId) {
      // Not awaited: the gateway gives a key check PARTNER_KEY_LOOKUP_TIMEOUT_MS (2 s by default),
      // less than an audit write may wait for the chain's lock; the key is accepted either way.
      void recordKeyUse(prisma, keyId, check.userId).catch((error: unknown) => recordingFailed(log, error));
    }
    return check;
  }
}
