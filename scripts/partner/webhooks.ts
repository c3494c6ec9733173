/** Webhook commands: register a partner's URL, show and replay its deliveries. */
import { parseArgs } from 'node:util';
import { integerOption } from '../../platform/cli';
import type { CommandContext, PartnerCommand } from './command';
import { table } from './keys';

const SET_WEBHOOK = `
  mutation ($partnerId: ID!, $url: String!) {
    setPartnerWebhook(partnerId: $partnerId, url: $url) { endpoint { url } secret }
  }`;

const DELIVERY_FIELDS = 'id eventType status attempts lastStatus lastError nextAttemptAt deliveredAt deadAt';

const DELIVERIES = `
  query ($partnerId: ID!, $first: Int) {
    webhookDeliveries(partnerId: $partnerId, first: $first) {
      endpoint { url }
      recent { ${DELIVERY_FIELDS} }
      deadLetters { ${DELIVERY_FIELDS} }
    }
  }`;

const REPLAY = `mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id status } }`;

interface Delivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
}

function deliveryRow(delivery: Delivery): string[] {
  const when = delivery.deadAt
    ? `dead since ${delivery.deadAt}`
    : delivery.deliveredAt
      ? `delivered ${delivery.deliveredAt}`
      : `next ${delivery.nextAttemptAt ?? '-'}`;
  const error = delivery.lastError ? delivery.lastError.replace(/\s+/g, ' ').slice(0, 60) : '-';
  return [delivery.id, delivery.eventType, delivery.status, String(delivery.attempts), error, when];
}

async function showDeliveries(partnerId: string, first: number | undefined, { admin, print }: CommandContext): Promise<void> {
  const { webhookDeliveries: result } = await admin<{
    webhookDeliveries: { endpoint: { url: string } | null; recent: Delivery[]; deadLetters: Delivery[] };
  }>(DELIVERIES, { partnerId, first });
  if (!result.endpoint) {
    print(`partner ${partnerId} has no webhook; register one with: webhook ${partnerId} URL`);
    return;
  }
  print(`webhook ${result.endpoint.url}`);
  const header = ['ID', 'EVENT', 'STATUS', 'ATTEMPTS', 'LAST ERROR', 'NEXT ATTEMPT / DEAD SINCE'];
  // Dead letters first: they are what needs an operator.
  const rows = [...result.deadLetters, ...result.recent].map(deliveryRow);
  if (rows.length === 0) print('no deliveries yet');
  else table([header, ...rows]).forEach((line) => print(line));
}

export const webhookCommands: Record<string, PartnerCommand> = {
  webhook: {
    usage: "webhook PARTNER_ID URL              register the partner's webhook URL; prints a new signing secret (last line)",
    async run(args, { admin, print }) {
      const { positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: {} });
      if (positionals.length !== 2) throw new Error('usage: webhook PARTNER_ID URL');
      const [partnerId, url] = positionals;
      const { setPartnerWebhook } = await admin<{ setPartnerWebhook: { endpoint: { url: string }; secret: string } }>(SET_WEBHOOK, {
        partnerId,
        url,
      });
      print(`webhook of partner ${partnerId}: ${setPartnerWebhook.endpoint.url}`);
      print('signing secret (shown once; deliveries carry Partner-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")):');
      print(setPartnerWebhook.secret);
    },
  },
  deliveries: {
    usage: 'deliveries PARTNER_ID [--first N] [--replay DELIVERY_ID]   recent deliveries and dead letters; --replay sends one again',
    async run(args, context) {
      const { positionals, values } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: { replay: { type: 'string' }, first: { type: 'string' } },
      });
      if (positionals.length !== 1) throw new Error('usage: deliveries PARTNER_ID [--first N] [--replay DELIVERY_ID]');
      const first = integerOption(values.first, 'first', 1);
      if (values.replay !== undefined) {
        const { replayWebhookDelivery } = await context.admin<{ replayWebhookDelivery: { id: string; status: string } }>(REPLAY, {
          id: values.replay,
        });
        context.print(`replayed ${replayWebhookDelivery.id}: ${replayWebhookDelivery.status}`);
      }
      await showDeliveries(positionals[0], first, context);
    },
  },
};
