/** The outbox's series, on the process's one registry (platform/metrics.ts); the relay (relay.ts) sets them as it polls. */
import { Gauge } from 'prom-client';
import { registry } from '../../../platform/metrics';

export const outboxPending = new Gauge({
  name: 'outbox_pending_events',
  help: 'Events written to the outbox and not yet published to the event bus, by service (read by the relay every few seconds; counted up to 100000)',
  labelNames: ['service'] as const,
  registers: [registry],
});

export const outboxLag = new Gauge({
  name: 'outbox_lag_seconds',
  help: 'Age of the oldest event in the outbox not yet published, by service (0 when none waits; read by the relay every few seconds)',
  labelNames: ['service'] as const,
  registers: [registry],
});
