/**
 * Sends queued webhook deliveries. Every users-subgraph replica runs one; claims use FOR UPDATE
 * SKIP LOCKED and a lease (data.ts claimDue), as the outbox relay does, so replicas never POST the
 * same delivery at once and a crashed worker's claims return after the lease. A 2xx answer
 * delivers; anything else (another status, a timeout, a refused connection) is retried with
 * backoff.ts's schedule until the retry window is over, then dead-lettered.
 *
 * At least once: a worker that dies after the partner answered but before recording it sends the
 * event again after the lease; partners dedupe by event id.
 */
import type { PrismaClient } from '../../../prisma/database';
import type { WebhookConfig } from '../../../platform/config';
import type { Logger } from '../../../platform/logger';
import { webhookDeliveries } from '../../../platform/metrics';
import { retryDelayMs } from './backoff';
import { RELAY_DEFAULTS } from '../../kit/events';
import { Sleeper } from '../../kit/sleeper';
import { claimDue, markDelivered, markFailed, pruneDelivered, release, type ClaimedDelivery } from './data';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signing';

/** Characters of a failing answer's body kept in lastError, enough to show a partner's message. */
const ERROR_BODY_CHARS = 200;

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export class WebhookWorker {
  private closed = false;
  private loop?: Promise<void>;
  private readonly sleeper = new Sleeper();
  private failing = false;
  private lastPrune = 0;
  /** Aborts POSTs in flight when the worker closes, so close takes at most one database write. */
  private readonly stop = new AbortController();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly config: WebhookConfig,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** A delivery was queued here: send it now rather than at the next poll. */
  wake(): void {
    this.sleeper.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    this.sleeper.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let claimed = 0;
      try {
        await this.pruneWhenDue();
        claimed = await this.deliverBatch();
        if (this.failing) this.log.info('webhook deliveries resumed');
        this.failing = false;
      } catch (error) {
        // The database failed (restart, failover): log once per outage, try again at the next poll.
        if (!this.failing) this.log.warn({ err: error }, 'webhook worker cannot reach its tables; retrying');
        this.failing = true;
      }
      if (claimed < this.config.batchSize) await this.sleeper.sleep(this.config.pollMs);
    }
  }

  /** Delivered rows are kept as long as the outbox keeps sent events, and pruned as often. */
  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < RELAY_DEFAULTS.pruneEveryMs) return;
    this.lastPrune = Date.now();
    await pruneDelivered(this.prisma, RELAY_DEFAULTS.retentionMs);
  }

  /** Claims due deliveries and sends them side by side (one slow partner holds a batch up to the timeout, no longer). */
  private async deliverBatch(): Promise<number> {
    const batch = await claimDue(this.prisma, this.config.batchSize, this.config.leaseMs);
    await Promise.all(batch.map((delivery) => this.deliver(delivery)));
    return batch.length;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const outcome = await this.post(delivery);
    if (this.closed && !outcome.ok && outcome.status === null) {
      await release(this.prisma, delivery, 'worker stopped');
      return;
    }
    if (outcome.ok) {
      await markDelivered(this.prisma, delivery, outcome.status);
      webhookDeliveries.inc({ outcome: 'delivered' });
      return;
    }
    const delay = retryDelayMs(delivery.attempts, this.config, this.random);
    const result = await markFailed(this.prisma, delivery, outcome, delay, this.config.retryWindowMs);
    if (result === 'stale') return;
    webhookDeliveries.inc({ outcome: result === 'dead' ? 'dead_lettered' : 'failed' });
    const context = {
      delivery: delivery.id,
      event: delivery.eventId,
      attempt: delivery.attempts,
      status: outcome.status,
      error: outcome.error,
    };
    if (result === 'dead') this.log.warn(context, 'webhook delivery dead-lettered after its retry window');
    else this.log.info({ ...context, retryInMs: delay }, 'webhook delivery failed; will retry');
  }

  /** One POST, signed now: a retry or a replay carries a fresh timestamp over the same body. */
  private async post(delivery: ClaimedDelivery): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'platform-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.body, timestamp),
          [EVENT_ID_HEADER]: delivery.eventId,
          [EVENT_TYPE_HEADER]: delivery.eventType,
        },
        body: delivery.body,
        // A redirect is an answer, not a delivery: following it would send signed data where nobody registered.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.config.timeoutMs), this.stop.signal]),
      });
      const text = await readStart(response);
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
    } catch (error) {
      const name = (error as Error)?.name;
      const message = name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : describe(error);
      return { ok: false, status: null, error: message };
    }
  }
}

/**
 * The first characters of an answer's body, for lastError; the rest is dropped unread, so a
 * partner that answers with megabytes costs no memory. Bounded in time by the request's signal.
 */
async function readStart(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < ERROR_BODY_CHARS * 4) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8').slice(0, ERROR_BODY_CHARS);
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, …) in `cause`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return [String((error as Error)?.message ?? error), cause?.code ?? cause?.message].filter(Boolean).join(': ');
}
