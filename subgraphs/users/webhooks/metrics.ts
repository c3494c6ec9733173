/** Webhook series beside partner_webhook_deliveries_total (platform/metrics.ts), on the process's one registry. */
import { Gauge } from 'prom-client';
import { registry } from '../../../platform/metrics';

export const webhookDeadLetters = new Gauge({
  name: 'partner_webhook_dead_letters',
  help: 'Webhook deliveries dead-lettered (retry window over) and not replayed, all partners together (read by the delivery worker every few seconds; counted up to 100000)',
  registers: [registry],
});
