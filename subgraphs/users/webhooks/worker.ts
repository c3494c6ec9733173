/**
 * Sends queued webhook deliveries. Every users-subgraph replica runs one; claims use FOR UPDATE
 * SKIP LOCKED and a lease (data.ts claimDue), as the outbox relay does, so replicas never POST the
 * same delivery at once and a crashed worker's claims return after the lease. A 2xx answer
 * delivers; anything else (another status, a timeout, a refused connection) is retried with
 * backoff.ts's schedule until the retry window is over, then dead-lettered.
 *
 * Each endpoint is a lane of its own: a claim takes at most `concurrencyPerEndpoint` deliveries of
 * one endpoint and none of an endpoint still busy here, and the worker claims again as soon as it
 * has room, without waiting for slow lanes; so an endpoint that stalls holds up only its own
 * deliveries (each for at most `timeoutMs`), never another partner's. Before every POST the
 * destination is checked again (destination.ts) and the POST connects to the checked address.
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
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { linksTo } from '../../../platform/telemetry';
import { claimDue, countDeadLetters, markDelivered, markFailed, pruneDelivered, release, type ClaimedDelivery } from './data';
import { webhookDeadLetters } from './metrics';
import { checkDestination, DestinationRefused, DestinationUnresolved, systemResolve, type ResolveHost } from './destination';
import { postPinned, type PostTo } from './post';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signing';

/** How deliveries leave the process: the resolver and the POST; tests inject both. */
export interface Egress {
  resolve: ResolveHost;
  post: PostTo;
}

export const SYSTEM_EGRESS: Egress = { resolve: systemResolve, post: postPinned };

/** How often the worker reads the dead letters held into partner_webhook_dead_letters. */
export const DEAD_LETTER_MEASURE_MS = 5_000;

/** Characters of a failing answer's body kept in lastError, enough to show a partner's message. */
const ERROR_BODY_CHARS = 200;

type Outcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

export class WebhookWorker {
  private closed = false;
  private loop?: Promise<void>;
  private readonly sleeper = new Sleeper();
  private failing = false;
  private lastPrune = 0;
  private lastMeasure = -Infinity;
  /** Aborts POSTs in flight when the worker closes, so close takes at most one database write. */
  private readonly stop = new AbortController();
  /** Endpoints (webhook ids) with deliveries in flight here: not claimed for again until they are done. */
  private readonly busy = new Set<string>();
  private readonly lanes = new Set<Promise<void>>();
  private inFlight = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly config: WebhookConfig,
    private readonly random: () => number = Math.random,
    private readonly egress: Egress = SYSTEM_EGRESS,
    /** The users subgraph's tracer when tracing is on: each attempt is a span linked to the work that caused its event. */
    private readonly tracer?: Tracer,
    private readonly measureEveryMs: number = DEAD_LETTER_MEASURE_MS,
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
      let more = false;
      try {
        await this.pruneWhenDue();
        await this.measureWhenDue();
        more = await this.claimLanes();
        this.recovered();
      } catch (error) {
        this.failed(error);
      }
      // Woken early when a lane finishes or a delivery is queued here.
      if (!more) await this.sleeper.sleep(this.config.pollMs);
    }
    await Promise.all(this.lanes);
  }

  /** The database answered again after failing. */
  private recovered(): void {
    if (this.failing) this.log.info('webhook deliveries resumed');
    this.failing = false;
  }

  /** The database failed (restart, failover): log once per outage; the next poll tries again. */
  private failed(error: unknown): void {
    if (!this.failing) this.log.warn({ err: error }, 'webhook worker cannot reach its tables; retrying');
    this.failing = true;
  }

  /** Dead letters held now, at most once per measureEveryMs (replicas read the same table and report the same value). */
  private async measureWhenDue(): Promise<void> {
    if (performance.now() - this.lastMeasure < this.measureEveryMs) return;
    this.lastMeasure = performance.now();
    webhookDeadLetters.set(await countDeadLetters(this.prisma));
  }

  /** Delivered rows are kept as long as the outbox keeps sent events, and pruned as often. */
  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < RELAY_DEFAULTS.pruneEveryMs) return;
    this.lastPrune = Date.now();
    await pruneDelivered(this.prisma, RELAY_DEFAULTS.retentionMs);
  }

  /**
   * Claims due deliveries of endpoints not busy here, up to the room left (`batchSize` in flight),
   * and starts one lane per endpoint; resolves true when it filled the room (more may be due).
   */
  private async claimLanes(): Promise<boolean> {
    const room = this.config.batchSize - this.inFlight;
    if (room <= 0) return false;
    const batch = await claimDue(this.prisma, room, this.config.leaseMs, this.config.concurrencyPerEndpoint, [...this.busy]);
    const byEndpoint = new Map<string, ClaimedDelivery[]>();
    for (const delivery of batch) byEndpoint.set(delivery.webhookId, [...(byEndpoint.get(delivery.webhookId) ?? []), delivery]);
    for (const [webhookId, deliveries] of byEndpoint) this.startLane(webhookId, deliveries);
    return batch.length === room;
  }

  /** Sends one endpoint's claimed deliveries side by side (at most concurrencyPerEndpoint, each bounded by timeoutMs). */
  private startLane(webhookId: string, deliveries: ClaimedDelivery[]): void {
    this.busy.add(webhookId);
    this.inFlight += deliveries.length;
    // Settled, not all: the lane stays busy until its last delivery is done, even when one fails.
    const lane: Promise<void> = Promise.allSettled(deliveries.map((delivery) => this.deliver(delivery)))
      .then((outcomes) => {
        const failure = outcomes.find((outcome) => outcome.status === 'rejected');
        if (failure) this.failed(failure.reason);
        else this.recovered();
      })
      .finally(() => {
        this.busy.delete(webhookId);
        this.inFlight -= deliveries.length;
        this.lanes.delete(lane);
        this.sleeper.wake();
      });
    this.lanes.add(lane);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const outcome = this.tracer ? await this.tracedPost(this.tracer, delivery) : await this.post(delivery);
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

  /** One attempt as a span of its own trace, linked to the work that caused the event (the mutation), however much later it runs. */
  private async tracedPost(tracer: Tracer, delivery: ClaimedDelivery): Promise<Outcome> {
    const span = tracer.startSpan(
      `webhook ${delivery.eventType}`,
      {
        kind: SpanKind.CLIENT,
        links: linksTo(delivery.traceparent),
        attributes: {
          'webhook.event_type': delivery.eventType,
          'webhook.attempt': delivery.attempts,
          'messaging.message.id': delivery.eventId,
        },
      },
      ROOT_CONTEXT,
    );
    const outcome = await this.post(delivery);
    if (outcome.status !== null) span.setAttribute('http.response.status_code', outcome.status);
    if (!outcome.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    span.end();
    return outcome;
  }

  /**
   * One POST, signed now: a retry or a replay carries a fresh timestamp over the same body. The
   * destination is checked again first (the name may resolve elsewhere since it was registered),
   * and a refused one is never dialled.
   */
  private async post(delivery: ClaimedDelivery): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    try {
      const url = new URL(delivery.url);
      const signal = AbortSignal.any([timeout, this.stop.signal]);
      // The timeout covers the lookup too: a resolver that does not answer is a delivery that failed.
      const destination = await checkDestination(url, {
        allowPrivate: this.config.allowPrivateDestinations,
        resolve: this.egress.resolve,
        signal,
      });
      const answer = await this.egress.post({
        url,
        destination,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'platform-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.body, timestamp),
          [EVENT_ID_HEADER]: delivery.eventId,
          [EVENT_TYPE_HEADER]: delivery.eventType,
        },
        body: delivery.body,
        signal,
        keepBytes: ERROR_BODY_CHARS * 4,
      });
      if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status };
      const text = answer.text.slice(0, ERROR_BODY_CHARS);
      return { ok: false, status: answer.status, error: `HTTP ${answer.status}${text ? `: ${text}` : ''}` };
    } catch (error) {
      if (error instanceof DestinationRefused) return { ok: false, status: null, error: `destination refused: ${error.message}` };
      if (error instanceof DestinationUnresolved) return { ok: false, status: null, error: error.message };
      const message = timeout.aborted ? `no answer within ${this.config.timeoutMs} ms` : describe(error);
      return { ok: false, status: null, error: message };
    }
  }
}

/** The reason of a failed POST (ECONNREFUSED, …), also where it hides in `cause`. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return [String((error as Error)?.message ?? error), cause?.code ?? cause?.message].filter(Boolean).join(': ');
}
