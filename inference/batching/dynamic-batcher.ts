/**
 * Triton-style dynamic batcher for one model version.
 *
 * Requests queue; a batch is cut when the queued rows reach `maxBatchSize` (or a preferred size),
 * or when the oldest request has waited `maxQueueDelayMs`, whichever comes first, and only while
 * an execution slot is free (while the model is busy, the queue simply fills up — that is where
 * the batching under load comes from). Requests are never split across batches, so each caller
 * gets exactly its own rows back, in order.
 *
 * Guarantees: every submitted request settles exactly once — with its rows, an overload error
 * (queue full), a timeout (waited too long in the queue, never executed), an execution error, or
 * RetiredError when the batcher was closed before it was accepted (the caller re-resolves).
 *
 * Traced (tracing on), each request's wait in the queue is a span in that request's trace, and each
 * batch a span of its own, in a trace of its own, with a link to every request it merged: a batch
 * serves many traces at once, and claims none of them as its parent.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Link,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { FOLLOWS_LINK_SAMPLING } from '../../platform/telemetry/links';
import { RetiredError, unavailable, internal } from '../errors';
import type { TensorMap } from '../runtime/onnx-session';
import { concatRequests, splitRows } from './tensor-batch';

export interface BatcherOptions {
  /** False: every request runs alone (Triton without a dynamic_batching section). */
  enabled: boolean;
  maxBatchSize: number;
  maxQueueDelayMs: number;
  preferredBatchSizes: number[];
  /** Most requests waiting; beyond it new requests get 503 at once. */
  maxQueueSize: number;
  /** A request still queued after this long gets 503 (0 = no timeout). */
  timeoutMs: number;
  /** Executions that may run at once (Triton's instance_group count). */
  instanceCount: number;
  padValues: Record<string, number>;
}

export interface BatchStats {
  size: number;
  requests: number;
  queueDelaysMs: number[];
  computeMs: number;
}

export type Execute = (batch: TensorMap) => Promise<TensorMap>;

/** How a batcher traces its work: the server's tracer, and what names the model on each batch span. */
export interface BatchTracing {
  tracer: Tracer;
  attributes: Attributes;
}

/** On the links from a batch to its requests: the batch is kept whenever one of them is (platform/telemetry/links.ts). */
const MERGED_REQUEST: Attributes = { [FOLLOWS_LINK_SAMPLING]: true };

interface Pending {
  rows: number;
  inputs: TensorMap;
  enqueuedAt: number;
  /** The span of the request that submitted it, when traced. */
  origin?: SpanContext;
  timer?: NodeJS.Timeout;
  resolve: (outputs: TensorMap) => void;
  reject: (error: Error) => void;
}

export class DynamicBatcher {
  private readonly queue: Pending[] = [];
  private queuedRows = 0;
  private running = 0;
  private delayTimer?: NodeJS.Timeout;
  private immediate?: NodeJS.Immediate;
  private closed = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly execute: Execute,
    private readonly options: BatcherOptions,
    private readonly onBatch: (stats: BatchStats) => void = () => {},
    private readonly tracing?: BatchTracing,
  ) {}

  get queueLength(): number {
    return this.queue.length;
  }

  submit(inputs: TensorMap, rows: number): Promise<TensorMap> {
    if (this.closed) return Promise.reject(new RetiredError());
    if (this.queue.length >= this.options.maxQueueSize) {
      return Promise.reject(
        unavailable(`overloaded: ${this.queue.length} requests already queued (max_queue_size ${this.options.maxQueueSize}); retry later`),
      );
    }
    return new Promise<TensorMap>((resolve, reject) => {
      const pending: Pending = { rows, inputs, enqueuedAt: performance.now(), resolve, reject };
      if (this.tracing) pending.origin = trace.getActiveSpan()?.spanContext();
      if (this.options.timeoutMs > 0) {
        pending.timer = setTimeout(() => this.expire(pending), this.options.timeoutMs);
        pending.timer.unref?.();
      }
      this.queue.push(pending);
      this.queuedRows += rows;
      this.dispatch();
    });
  }

  /** Stops taking requests and resolves once everything already queued has been answered. */
  close(): Promise<void> {
    this.closed = true;
    this.dispatch();
    return this.idle() ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private idle(): boolean {
    return this.queue.length === 0 && this.running === 0;
  }

  private expire(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index < 0) return; // already in a batch: it will be answered by the batch
    this.queue.splice(index, 1);
    this.queuedRows -= pending.rows;
    pending.reject(unavailable(`timed out after ${this.options.timeoutMs} ms in the queue; retry later`));
    this.notifyIfDrained();
  }

  private dispatch(): void {
    while (this.running < this.options.instanceCount && this.queue.length > 0) {
      if (!this.readyToCut()) {
        this.armDelayTimer();
        return;
      }
      this.runBatch(this.cut());
    }
  }

  private readyToCut(): boolean {
    const { enabled, maxBatchSize, maxQueueDelayMs, preferredBatchSizes } = this.options;
    if (!enabled || this.closed) return true;
    if (this.queuedRows >= maxBatchSize) return true;
    const reachedPreferred =
      preferredBatchSizes.length > 0 &&
      (preferredBatchSizes.includes(this.queuedRows) || this.queuedRows >= Math.max(...preferredBatchSizes));
    if (reachedPreferred) return true;
    return performance.now() - this.queue[0].enqueuedAt >= maxQueueDelayMs;
  }

  private armDelayTimer(): void {
    if (this.delayTimer || this.immediate) return;
    const wait = Math.max(0, this.queue[0].enqueuedAt + this.options.maxQueueDelayMs - performance.now());
    if (wait < 1) {
      // Node timers cannot wait less than 1 ms. A sub-millisecond delay instead yields one turn of the
      // event loop, so requests that already arrived join the batch and no caller waits a whole ms.
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.dispatchNow();
      });
      return;
    }
    this.delayTimer = setTimeout(() => {
      this.delayTimer = undefined;
      this.dispatch();
    }, wait);
  }

  /** Dispatch after the delay elapsed: cut whatever is queued without waiting further. */
  private dispatchNow(): void {
    while (this.running < this.options.instanceCount && this.queue.length > 0) this.runBatch(this.cut());
  }

  /** Takes whole requests from the front while they fit; stops at the largest preferred size reached. */
  private cut(): Pending[] {
    if (this.delayTimer) {
      clearTimeout(this.delayTimer);
      this.delayTimer = undefined;
    }
    const { enabled, maxBatchSize, preferredBatchSizes } = this.options;
    const limit = enabled ? maxBatchSize : 1;
    let rows = 0;
    let take = 0;
    let preferredTake = 0;
    while (take < this.queue.length && (take === 0 || rows + this.queue[take].rows <= limit)) {
      rows += this.queue[take].rows;
      take++;
      if (preferredBatchSizes.includes(rows)) preferredTake = take;
    }
    if (preferredTake > 0) take = preferredTake;
    const batch = this.queue.splice(0, take);
    for (const p of batch) {
      this.queuedRows -= p.rows;
      if (p.timer) clearTimeout(p.timer);
    }
    return batch;
  }

  private runBatch(batch: Pending[]): void {
    this.running++;
    const startedAt = performance.now();
    const queueDelaysMs = batch.map((p) => startedAt - p.enqueuedAt);
    const span = this.tracing && this.traceBatch(batch, startedAt);
    const run = () =>
      this.execute(
        concatRequests(
          batch.map((p) => p.inputs),
          this.options.padValues,
        ),
      );
    let work: Promise<TensorMap>;
    try {
      work = span ? context.with(trace.setSpan(ROOT_CONTEXT, span), run) : run();
    } catch (error) {
      work = Promise.reject(error);
    }
    work
      .then((outputs) => {
        const computeMs = performance.now() - startedAt;
        const perRequest = splitRows(
          outputs,
          batch.map((p) => p.rows),
        );
        batch.forEach((p, i) => p.resolve(perRequest[i]));
        this.onBatch({ size: batch.reduce((s, p) => s + p.rows, 0), requests: batch.length, queueDelaysMs, computeMs });
      })
      .catch((error: Error) => {
        span?.recordException(error);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        const failure = internal(`model execution failed: ${error.message}`);
        for (const p of batch) p.reject(failure);
      })
      .finally(() => {
        span?.end();
        this.running--;
        this.dispatch();
        this.notifyIfDrained();
      });
  }

  /** The batch's span (linked to every traced request in it), and each traced request's queue wait, which ends now. */
  private traceBatch(batch: Pending[], startedAt: number) {
    const { tracer, attributes } = this.tracing!;
    const links: Link[] = [];
    for (const p of batch) if (p.origin) links.push({ context: p.origin, attributes: MERGED_REQUEST });
    const span = tracer.startSpan(
      'inference.batch',
      {
        links,
        attributes: {
          ...attributes,
          'inference.batch.rows': batch.reduce((s, p) => s + p.rows, 0),
          'inference.batch.requests': batch.length,
        },
      },
      ROOT_CONTEXT,
    );
    const toBatch: Link[] = [{ context: span.spanContext() }];
    const startedAtMs = performance.timeOrigin + startedAt;
    for (const p of batch) {
      if (!p.origin) continue;
      const parent = trace.setSpanContext(ROOT_CONTEXT, p.origin);
      tracer
        .startSpan(
          'inference.queue_wait',
          { startTime: performance.timeOrigin + p.enqueuedAt, links: toBatch, attributes: { 'inference.rows': p.rows } },
          parent,
        )
        .end(startedAtMs);
    }
    return span;
  }

  private notifyIfDrained(): void {
    if (this.closed && this.idle()) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }
}
