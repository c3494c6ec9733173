/**
 * The embedded default: events stay in this process. Delivery is asynchronous (as with Redis)
 * so publishers never depend on consumers finishing. Each group gets its events in publish
 * order, one at a time, as a Redis consumer reads its stream; a failed handler gets the event
 * again, out of that line, until it succeeds or the bus closes, as a Redis consumer group
 * retries a pending entry while later entries go on.
 */
import type { Logger } from '../../../platform/logger';
import type { DomainEvent, EventBus, EventHandler, EventType } from './types';

/** Delays between attempts of a failing handler; the last one repeats. */
const RETRY_DELAYS_MS = [50, 200, 1000, 5000];

export class InProcessEventBus implements EventBus {
  private readonly handlers = new Map<EventType, Map<string, EventHandler<never>>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Per type and group, the first attempt of the last event published: the next one waits for it. */
  private readonly lines = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  async publish(event: DomainEvent): Promise<void> {
    if (this.closed) throw new Error('Event bus is closed');
    for (const [group, handler] of this.handlers.get(event.type) ?? []) {
      this.track(this.deliver(`${event.type}/${group}`, group, handler as EventHandler<EventType>, event));
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
  }

  private track(delivery: Promise<void>): void {
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver<T extends EventType>(line: string, group: string, handler: EventHandler<T>, event: DomainEvent<T>) {
    const previous = this.lines.get(line) ?? Promise.resolve();
    const first = previous.then(() => this.attempt(group, handler, event, 0));
    this.lines.set(line, first);
    void first.finally(() => {
      if (this.lines.get(line) === first) this.lines.delete(line);
    });
    for (let attempt = 1, handled = await first; !handled; attempt++) {
      if (this.closed) {
        this.log.error({ event: event.type, id: event.id, group }, 'event handler failed; bus closed before a retry');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]));
      handled = await this.attempt(group, handler, event, attempt);
    }
  }

  /** One call of the handler; true when it succeeded. */
  private async attempt<T extends EventType>(group: string, handler: EventHandler<T>, event: DomainEvent<T>, attempt: number) {
    try {
      await handler(event);
      return true;
    } catch (error) {
      this.log.warn({ err: error, event: event.type, id: event.id, group, attempt }, 'event handler failed; retrying');
      return false;
    }
  }
}
