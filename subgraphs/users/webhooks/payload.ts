/**
 * What a partner receives for a domain event: its id (the partner's deduplication key), its type,
 * when it happened, and the order's new status. Order ids and amounts only: nothing personal.
 */
import type { DomainEvent } from '../../kit/events';

export type WebhookEventType = 'order.placed' | 'order.status_changed';

export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: {
    orderId: string;
    status: string;
    previousStatus?: string;
    total?: { amount: number; currency: string };
  };
}

export function webhookPayload(event: DomainEvent<WebhookEventType>): WebhookPayload {
  const base = { id: event.id, type: event.type, createdAt: event.occurredAt };
  if (event.type === 'order.placed') {
    const placed = (event as DomainEvent<'order.placed'>).payload;
    return {
      ...base,
      data: { orderId: placed.orderId, status: 'PENDING_PAYMENT', total: { amount: placed.totalAmount, currency: placed.currency } },
    };
  }
  const changed = (event as DomainEvent<'order.status_changed'>).payload;
  return { ...base, createdAt: changed.changedAt, data: { orderId: changed.orderId, status: changed.to, previousStatus: changed.from } };
}
