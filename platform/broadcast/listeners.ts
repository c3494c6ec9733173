/**
 * The subscribers of each channel, and the one way they are called: a listener that throws (or
 * rejects) is logged and counted, and the other listeners are called all the same.
 */
import type { Logger } from '../logger';
import { broadcastGaps, broadcastListenerErrors } from '../metrics';
import type { BroadcastListener } from './types';

type AnyListener = BroadcastListener<unknown>;

export class ChannelListeners {
  private readonly byChannel = new Map<string, Set<AnyListener>>();

  constructor(private readonly log: Logger) {}

  /** Adds a listener; true when it is the channel's first (the backend must start listening). */
  add(channel: string, listener: AnyListener): boolean {
    const listeners = this.byChannel.get(channel) ?? new Set<AnyListener>();
    listeners.add(listener);
    this.byChannel.set(channel, listeners);
    return listeners.size === 1;
  }

  /** Removes a listener; true when the channel has none left (the backend may stop listening). */
  remove(channel: string, listener: AnyListener): boolean {
    const listeners = this.byChannel.get(channel);
    if (!listeners?.delete(listener)) return false;
    if (listeners.size > 0) return false;
    this.byChannel.delete(channel);
    return true;
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }

  clear(): void {
    this.byChannel.clear();
  }

  message(channel: string, payload: unknown): void {
    this.each(channel, 'message', (listener) => listener.message(payload));
  }

  gap(channel: string): void {
    if (!this.byChannel.has(channel)) return;
    broadcastGaps.inc({ channel });
    this.each(channel, 'gap', (listener) => listener.gap());
  }

  private each(channel: string, kind: 'message' | 'gap', call: (listener: AnyListener) => void | Promise<void>): void {
    // A copy: a listener may unsubscribe (itself or another) while being called.
    for (const listener of [...(this.byChannel.get(channel) ?? [])]) {
      try {
        const result = call(listener);
        if (result instanceof Promise) result.catch((error: unknown) => this.failed(channel, kind, error));
      } catch (error) {
        this.failed(channel, kind, error);
      }
    }
  }

  private failed(channel: string, kind: 'message' | 'gap', error: unknown): void {
    broadcastListenerErrors.inc({ channel, kind });
    this.log.warn({ err: error, channel, kind }, 'a broadcast listener failed; the other listeners were called');
  }
}
