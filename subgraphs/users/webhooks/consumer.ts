/**
 * Turns order events into deliveries for the partner whose service account owns the order. Every
 * replica subscribes in one group, so each event is handled once per deployment; a redelivered
 * event finds its delivery already queued (unique per endpoint and event) and adds nothing.
 */
import type { SubgraphDeps } from '../../kit/definition';
import type { DomainEvent } from '../../kit/events';
import { enqueueDelivery } from './data';
import { webhookPayload, type WebhookEventType } from './payload';
import type { WebhookWorker } from './worker';

export const WEBHOOK_CONSUMER_GROUP = 'partner-webhooks';

export function consumeWebhookEvents({ bus, prisma, backgroundPrisma }: SubgraphDeps, worker: WebhookWorker): (() => void)[] {
  const handle = async (event: DomainEvent<WebhookEventType>) => {
    const queued = await enqueueDelivery(backgroundPrisma ?? prisma, event.payload.userId, {
      id: event.id,
      type: event.type,
      body: JSON.stringify(webhookPayload(event)),
      traceparent: event.traceparent,
    });
    if (queued > 0) worker.wake();
  };
  return [
    bus.subscribe('order.placed', WEBHOOK_CONSUMER_GROUP, handle),
    bus.subscribe('order.status_changed', WEBHOOK_CONSUMER_GROUP, handle),
  ];
}
