/** Partner webhook deliveries (subgraphs/users/webhooks). */
import { declareOptions, option } from '../option';

export const webhookOptions = declareOptions('Partner webhooks', {
  WEBHOOK_INITIAL_DELAY_MS: option.int({ default: 10_000, description: 'Delay after the first failed attempt; it doubles (with jitter).' }),
  WEBHOOK_MAX_DELAY_MS: option.int({ default: 3600_000, description: 'Longest delay between attempts.' }),
  WEBHOOK_RETRY_WINDOW_MS: option.int({
    default: 24 * 3600_000,
    description: 'How long after the first attempt a delivery is retried before it is dead-lettered.',
  }),
  WEBHOOK_TIMEOUT_MS: option.int({ default: 10_000, description: 'How long one POST may take (connect to the last byte of the answer).' }),
  WEBHOOK_LEASE_MS: option.int({
    default: 60_000,
    description: "How long a worker's claim keeps other replicas off a delivery; more than WEBHOOK_TIMEOUT_MS.",
  }),
  WEBHOOK_POLL_MS: option.int({ default: 1000, description: 'How often an idle worker looks for due deliveries.' }),
  WEBHOOK_BATCH_SIZE: option.int({ default: 20, description: 'Deliveries in flight per worker.' }),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: option.int({
    default: 4,
    description: 'Deliveries to one endpoint in flight per worker: a slow endpoint holds up only its own.',
  }),
  WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: option.switch({
    default: false,
    description:
      'Webhook URLs may be loopback, private or other non-public addresses (tests, a local receiver); off, such a URL is refused at registration and never dialled. Only this option opens them (`NODE_ENV` does not).',
  }),
});
