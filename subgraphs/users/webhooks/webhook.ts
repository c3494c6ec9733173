/** GraphQL types of partner webhooks (admin API; not in the partner contract). */
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  RETRYING = 'RETRYING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Queued; not tried yet.' },
    RETRYING: { description: 'Tried and failed; tried again at nextAttemptAt.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    DEAD: { description: 'Failed for the whole retry window; sent again only when replayed.' },
  },
});

@ObjectType({ description: "A partner's webhook endpoint, as registered; its signing secret is shown only when it is set." })
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The partner the endpoint belongs to.' })
  partnerId!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed.' })
  url!: string;

  @Field(() => Date, { description: 'When the endpoint was first registered.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the URL and secret were last set.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'The answer to registering a webhook endpoint: the endpoint and its new signing secret.' })
export class WebhookRegistration {
  @Field(() => WebhookEndpoint, { description: 'The endpoint as now registered.' })
  endpoint!: WebhookEndpoint;

  @Field(() => String, {
    description:
      'The HMAC-SHA256 key (whsec_…) deliveries are signed with. Shown only here, once: store it now. Registering again makes a new one.',
  })
  secret!: string;
}

@ObjectType({ description: 'One event on its way to (or delivered to, or given up on by) a partner endpoint.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Id of the delivery; replayWebhookDelivery takes it.' })
  id!: string;

  @Field(() => ID, { description: "The event's id, sent as the payload's id and the Partner-Event-Id header." })
  eventId!: string;

  @Field(() => String, { description: 'The event type: order.placed or order.status_changed.' })
  eventType!: string;

  @Field(() => WebhookDeliveryStatus, { description: 'Where the delivery stands.' })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'POSTs made so far (since the last replay, for a replayed dead letter).' })
  attempts!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The HTTP status of the last answer; null if none came (timeout, refused connection) or no attempt yet.',
  })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed; null after success or before any attempt.' })
  lastError!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due; null when delivered or dead.' })
  nextAttemptAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the endpoint accepted it; null until then.' })
  deliveredAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was dead-lettered; null unless DEAD.' })
  deadAt!: Date | null;

  @Field(() => Date, { description: 'When the delivery was queued.' })
  createdAt!: Date;
}

@ObjectType({ description: "A partner's webhook endpoint and its deliveries." })
export class WebhookDeliveries {
  @Field(() => WebhookEndpoint, { nullable: true, description: 'The endpoint; null when the partner has registered none.' })
  endpoint!: WebhookEndpoint | null;

  @Field(() => [WebhookDelivery], { description: 'The most recent deliveries still in the delivery table, newest first.' })
  recent!: WebhookDelivery[];

  @Field(() => [WebhookDelivery], { description: 'Dead letters, most recently dead first.' })
  deadLetters!: WebhookDelivery[];
}
