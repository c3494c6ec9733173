/** What every broadcast backend offers; ./index.ts says the policy they share. */

/** A named channel and the type of what travels on it; both sides name it the same way. */
export interface Channel<T> {
  readonly name: string;
  /** Only carries T for the type checker. */
  readonly __payload?: T;
}

export function defineChannel<T>(name: string): Channel<T> {
  return { name };
}

/**
 * One subscriber. `gap` is not optional: pub/sub keeps nothing, so every subscriber has to say how
 * it catches up (drop what it holds, re-read the source) when messages may have been missed.
 */
export interface BroadcastListener<T> {
  message(payload: T): void | Promise<void>;
  /** Messages on this channel may have been missed; what follows is live again. */
  gap(): void | Promise<void>;
}

export interface Broadcast {
  /**
   * Hands `payload` to every subscriber of `channel`, in this process and (with Redis) every other.
   * Never throws and never queues: resolves true once handed over, false when it was dropped
   * (Redis unreachable, or this broadcast closed). A dropped message is logged and counted, and the
   * subscribers of its channel receive a gap once this publisher reaches Redis again.
   */
  publish<T>(channel: Channel<T>, payload: T): Promise<boolean>;
  /** Delivers messages and gaps of `channel` to `listener` until the returned function is called. */
  subscribe<T>(channel: Channel<T>, listener: BroadcastListener<T>): () => void;
  /** Resolves once the subscriptions made so far receive what is published from now on. */
  ready(): Promise<void>;
  /** Stops every subscription of this broadcast and closes its connections, within a bounded time. */
  close(): Promise<void>;
}
