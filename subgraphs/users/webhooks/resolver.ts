/** Admin GraphQL for partner webhooks: register an endpoint, list its deliveries, replay one. */
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, notFound } from '../../../platform/errors';
import { requireAdmin } from '../../../platform/viewer';
import { Audited } from '../../kit/audit';
import type { SubgraphContext } from '../../kit/context';
import { deadLetters, findPartner, findWebhookOfPartner, recentDeliveries, replayDelivery, saveWebhook } from './data';
import { checkWebhookDestination, validateWebhookUrl } from './url';
import { WebhookDeliveries, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint, WebhookRegistration } from './webhook';

type DeliveryRow = NonNullable<Awaited<ReturnType<typeof replayDelivery>>>;
type DeadLetterRow = Awaited<ReturnType<typeof deadLetters>>[number];

const MAX_LISTED = 200;

function toDelivery(row: DeliveryRow): WebhookDelivery {
  const status = row.deliveredAt
    ? WebhookDeliveryStatus.DELIVERED
    : row.attempts > 0
      ? WebhookDeliveryStatus.RETRYING
      : WebhookDeliveryStatus.PENDING;
  return Object.assign(new WebhookDelivery(), {
    ...row,
    status,
    nextAttemptAt: row.deliveredAt ? null : row.nextAttemptAt,
    deadAt: null,
  });
}

function toDeadLetter(row: DeadLetterRow): WebhookDelivery {
  return Object.assign(new WebhookDelivery(), { ...row, status: WebhookDeliveryStatus.DEAD, nextAttemptAt: null, deliveredAt: null });
}

const toEndpoint = (partnerId: string, row: { url: string; createdAt: Date; updatedAt: Date }) =>
  Object.assign(new WebhookEndpoint(), { partnerId, url: row.url, createdAt: row.createdAt, updatedAt: row.updatedAt });

@Resolver()
export class WebhookResolver {
  @Audited('partner.webhook.set', { subject: ({ args }) => args.partnerId })
  @Mutation(() => WebhookRegistration, {
    description:
      "Registers (or replaces) a partner's webhook endpoint and makes a new signing secret, returned only here (admin only). Deliveries still waiting go to the new URL with the new secret.",
  })
  async setPartnerWebhook(
    @Arg('partnerId', () => ID, { description: 'The partner.' }) partnerId: string,
    @Arg('url', () => String, {
      description:
        'https URL deliveries are POSTed to (http too outside production); no credentials; its host must be, and resolve only to, public addresses.',
    })
    url: string,
    @Ctx() { viewer, prisma, config }: SubgraphContext,
  ): Promise<WebhookRegistration> {
    requireAdmin(viewer);
    const valid = validateWebhookUrl(url, { httpsOnly: config.webhooks.httpsOnly });
    await checkWebhookDestination(valid, { allowPrivate: config.webhooks.allowPrivateDestinations });
    if (!(await findPartner(prisma, partnerId))) throw notFound('Partner', partnerId);
    const saved = await saveWebhook(prisma, partnerId, valid);
    return Object.assign(new WebhookRegistration(), { endpoint: toEndpoint(partnerId, saved), secret: saved.secret });
  }

  @Query(() => WebhookDeliveries, { description: "A partner's webhook endpoint, its recent deliveries and its dead letters (admin only)." })
  async webhookDeliveries(
    @Arg('partnerId', () => ID, { description: 'The partner.' }) partnerId: string,
    @Arg('first', () => Int, {
      nullable: true,
      description: `How many recent deliveries and dead letters each (default 20, at most ${MAX_LISTED}).`,
    })
    first: number | null,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<WebhookDeliveries> {
    requireAdmin(viewer);
    const take = first ?? 20;
    if (!Number.isInteger(take) || take < 1 || take > MAX_LISTED) throw badInput('first', `must be between 1 and ${MAX_LISTED}`);
    if (!(await findPartner(prisma, partnerId))) throw notFound('Partner', partnerId);
    const webhook = await findWebhookOfPartner(prisma, partnerId);
    const [recent, dead] = webhook
      ? await Promise.all([recentDeliveries(prisma, webhook.id, take), deadLetters(prisma, webhook.id, take)])
      : [[], []];
    return Object.assign(new WebhookDeliveries(), {
      endpoint: webhook ? toEndpoint(partnerId, webhook) : null,
      recent: recent.map(toDelivery),
      deadLetters: dead.map(toDeadLetter),
    });
  }

  @Audited('partner.webhook.replay', { subject: ({ args }) => args.id })
  @Mutation(() => WebhookDelivery, {
    description:
      'Sends a delivery again, signed afresh, with a new retry window (admin only): a dead letter goes back to the queue, a waiting or delivered one is due at once.',
  })
  async replayWebhookDelivery(
    @Arg('id', () => ID, { description: 'Id of the delivery (or dead letter).' }) id: string,
    @Ctx() { viewer, prisma }: SubgraphContext,
  ): Promise<WebhookDelivery> {
    requireAdmin(viewer);
    const row = await replayDelivery(prisma, id);
    if (!row) throw notFound('Webhook delivery', id);
    return toDelivery(row);
  }
}
