/**
 * The embedded default: events stay in this process. Delivery is asynchronous (as with Redis)
 * so publishers never depend on consumers finishing, and a failed handler gets the event again
 * until it succeeds or the bus closes, as a Redis consumer group retries a pending entry.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../../../platform/logger';
import type { DomainEvent, EventBus, EventHandler, EventType, NotificationListener, NotificationPayloads, NotificationType } from './types';

/** Delays between attempts of a failing handler; the last one repeats. */
const RETRY_DELAYS_MS = [50, 200, 1000, 5000];

export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<EventType, Map<string, EventHandler<never>>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly live = new EventEmitter();
  private closed = false;

  constructor(private readonly log: Logger) {
    // Thousands of dashboards may listen at once; that is not a leak.
    this.live.setMaxListeners(0);
  }

  async notify<T extends NotificationType>(type: T, payload: NotificationPayloads[T]): Promise<void> {
    this.live.emit(type, payload);
  }

  listen<T extends NotificationType>(type: T, listener: NotificationListener<T>): () => void {
    this.live.on(type, listener);
    return () => this.live.off(type, listener);
  }

  async publish(event: DomainEvent): Promise<void> {
    if (this.closed) throw new Error('Event bus is closed');
    for (const [group, handler] of this.handlers.get(event.type) ?? []) {
      this.track(this.deliver(group, handler as EventHandler<EventType>, event));
    }
  }

  subscribe<T extends EventType>(type: T, group: string, handler: EventHandler<T>): () => void {
    const groups = this.handlers.get(type) ?? new Map<string, EventHandler<never>>();
    groups.set(group, handler as EventHandler<never>);
    this.handlers.set(type, groups);
    return () => {
      if (groups.get(group) === (handler as EventHandler<never>)) groups.delete(group);
    };
  }

  /** Resolves when every event published so far has been handled (tests and shutdown use it). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    // Closed first, so a handler that keeps failing stops retrying and close finishes.
    this.closed = true;
    await this.drain();
    this.live.removeAllListeners();
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver<T extends EventType>(group: string, handler: EventHandler<T>, event: DomainEvent<T>) {
    await Promise.resolve();
    for (let attempt = 0; ; attempt++) {
      try {
        await handler(event);
        return;
      } catch (error) {
        if (this.closed) {
          this.log.error({ err: error, event: event.type, id: event.id, group }, 'event handler failed; bus closed before a retry');
          return;
        }
        const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
        this.log.warn({ err: error, event: event.type, id: event.id, group, attempt }, 'event handler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
