/**
 * The embedded default: channels inside this process, shared by every broadcast of the same
 * namespace, so the embedded platform's services (scripts/platform.ts) meet on them. Delivery is
 * synchronous: once publish resolves every listener has been called, so a read after a write that
 * announced a change never sees what the change replaced. Nothing is ever offline here, so there
 * are no gaps.
 */
import type { Logger } from '../logger';
import { ChannelListeners } from './listeners';
import type { Broadcast, BroadcastListener, Channel } from './types';

/** Every subscription of a namespace in this process, whichever broadcast made it. */
const namespaces = new Map<string, ChannelListeners>();

export class InProcessBroadcast implements Broadcast {
  private readonly shared: ChannelListeners;
  /** This broadcast's own subscriptions, so close ends exactly these. */
  private readonly own = new Set<() => void>();
  private closed = false;

  constructor(namespace: string, log: Logger) {
    let shared = namespaces.get(namespace);
    if (!shared) {
      shared = new ChannelListeners(log);
      namespaces.set(namespace, shared);
    }
    this.shared = shared;
  }

  async publish<T>(channel: Channel<T>, payload: T): Promise<boolean> {
    if (this.closed) return false;
    this.shared.message(channel.name, payload);
    return true;
  }

  subscribe<T>(channel: Channel<T>, listener: BroadcastListener<T>): () => void {
    const added = listener as BroadcastListener<unknown>;
    this.shared.add(channel.name, added);
    const stop = () => {
      this.own.delete(stop);
      this.shared.remove(channel.name, added);
    };
    this.own.add(stop);
    return stop;
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of [...this.own]) stop();
  }
}
