/**
 * Broadcast over Redis pub/sub, so every replica of every service hears it. Pub/sub keeps nothing,
 * so this backend makes every loss visible as a gap instead of leaving it silent:
 *
 * - The subscriber connection re-subscribes after every reconnect (itself, not ioredis, so that it
 *   knows when Redis confirmed it) and then gives every subscriber a gap: whatever was published
 *   while it was away is gone, and what a subscriber re-reads after the gap is followed by every
 *   later message.
 * - Publishing never queues: while Redis is unreachable a message is dropped at once (a late
 *   announcement is worth less than the re-read a gap causes, and a queue would grow for as long as
 *   Redis stays away). The channels that lost messages are announced on the gap channel as soon
 *   as this publisher reaches Redis again, so subscribers whose own connection never dropped
 *   (a partition between this publisher and Redis only) still learn of the loss.
 * - A message nobody can read counts as lost: its channel's subscribers get a gap.
 */
import type Redis from 'ioredis';
import type { Logger } from '../logger';
import { broadcastPublishDropped } from '../metrics';
import { closeRedis, dropRedis, openRedis } from '../redis';
import { TIMED_OUT, within } from '../within';
import { ChannelListeners } from './listeners';
import type { Broadcast, BroadcastListener, Channel } from './types';

/** How long the first publish waits for the connection to be made (the first message after start). */
const FIRST_CONNECT_WAIT_MS = 1000;
/** The channel (within the namespace) on which publishers name the channels they dropped messages of. */
const GAPS_CHANNEL = 'broadcast-gaps';

export interface RedisBroadcastOptions {
  url: string;
  /** Prefix of every channel; publishers and subscribers of one deployment share it. */
  namespace: string;
  log: Logger;
}

export class RedisBroadcast implements Broadcast {
  private readonly listeners: ChannelListeners;
  private publisher?: Redis;
  private publisherReady?: Promise<unknown>;
  /** Channels whose messages this publisher dropped and has not yet announced as a gap. */
  private readonly dropped = new Set<string>();
  private subscriber?: Redis;
  /** Confirms the subscriptions made so far (see ready()). */
  private subscribed: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: RedisBroadcastOptions) {
    this.listeners = new ChannelListeners(options.log);
  }

  private key(channel: string): string {
    return `${this.options.namespace}:${channel}`;
  }

  async publish<T>(channel: Channel<T>, payload: T): Promise<boolean> {
    if (this.closed) return false;
    const publisher = this.openPublisher();
    try {
      // Without an offline queue a command fails while the first connection is still being made.
      if (publisher.status !== 'ready' && this.publisherReady) {
        if ((await within(this.publisherReady, FIRST_CONNECT_WAIT_MS)) === TIMED_OUT) throw new Error('Redis not reached in time');
      }
      await publisher.publish(this.key(channel.name), JSON.stringify(payload));
      return true;
    } catch (error) {
      this.drop(channel.name, error);
      return false;
    }
  }

  private drop(channel: string, error: unknown): void {
    broadcastPublishDropped.inc({ channel });
    // One line per outage, not one per message.
    if (this.dropped.size === 0) {
      this.options.log.warn({ err: error, channel }, 'broadcast dropped while Redis is unreachable; subscribers get a gap once it is back');
    }
    this.dropped.add(channel);
  }

  private openPublisher(): Redis {
    if (this.publisher) return this.publisher;
    const publisher = openRedis(this.options.url, {
      role: `broadcast publisher (${this.options.namespace})`,
      log: this.options.log,
      extra: { enableOfflineQueue: false },
    });
    this.publisher = publisher;
    // Only the first connection is waited for; after that, not ready means Redis is away.
    this.publisherReady = new Promise((resolve, reject) => {
      publisher.once('ready', resolve);
      publisher.once('end', () => reject(new Error('Connection is closed.')));
    }).finally(() => (this.publisherReady = undefined));
    this.publisherReady.catch(() => undefined);
    publisher.on('ready', () => void this.announceDropped(publisher));
    return publisher;
  }

  private async announceDropped(publisher: Redis): Promise<void> {
    const channels = [...this.dropped];
    if (channels.length === 0) return;
    this.dropped.clear();
    try {
      for (const channel of channels) await publisher.publish(this.key(GAPS_CHANNEL), channel);
      this.options.log.info({ channels }, 'broadcast reachable again; dropped channels announced as gaps');
    } catch {
      // Still away: announced on the next reconnect.
      for (const channel of channels) this.dropped.add(channel);
    }
  }

  subscribe<T>(channel: Channel<T>, listener: BroadcastListener<T>): () => void {
    const added = listener as BroadcastListener<unknown>;
    if (this.closed) return () => undefined;
    const subscriber = this.openSubscriber();
    if (this.listeners.add(channel.name, added)) this.track(subscriber.subscribe(this.key(channel.name)));
    return () => {
      if (this.listeners.remove(channel.name, added) && !this.closed) this.track(subscriber.unsubscribe(this.key(channel.name)));
    };
  }

  /** A (un)subscribe that fails is retried by the re-subscription after the next reconnect. */
  private track(command: Promise<unknown>): void {
    const handled = command.catch((error: unknown) => {
      if (!this.closed) this.options.log.warn({ err: error }, 'broadcast (un)subscribe failed; retried on reconnect');
    });
    this.subscribed = Promise.all([this.subscribed, handled]);
  }

  async ready(): Promise<void> {
    await this.subscribed;
  }

  private openSubscriber(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = openRedis(this.options.url, {
      role: `broadcast subscriber (${this.options.namespace})`,
      log: this.options.log,
      blocking: true,
      // Named, so an operator (or a test) can tell it apart in CLIENT LIST.
      extra: { autoResubscribe: false, connectionName: `${this.options.namespace}:broadcast` },
    });
    this.subscriber = subscriber;
    let away = false;
    subscriber.on('close', () => (away = true));
    subscriber.on('ready', () => {
      if (this.closed) return;
      const missed = away;
      away = false;
      const channels = [GAPS_CHANNEL, ...this.listeners.channels()].map((channel) => this.key(channel));
      const resubscribed = subscriber.subscribe(...channels);
      this.track(resubscribed);
      if (!missed) return;
      // The gap comes after Redis confirmed the subscriptions: a subscriber that re-reads on it then misses nothing later.
      resubscribed.then(
        () => {
          if (!this.closed) for (const channel of this.listeners.channels()) this.listeners.gap(channel);
        },
        () => undefined,
      );
    });
    subscriber.on('message', (key: string, message: string) => this.received(key, message));
    return subscriber;
  }

  private received(key: string, message: string): void {
    const prefix = `${this.options.namespace}:`;
    if (!key.startsWith(prefix)) return;
    const channel = key.slice(prefix.length);
    if (channel === GAPS_CHANNEL) {
      this.listeners.gap(message);
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(message);
    } catch (error) {
      this.options.log.warn({ err: error, channel }, 'unreadable broadcast message; its subscribers get a gap');
      this.listeners.gap(channel);
      return;
    }
    this.listeners.message(channel, payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    // A subscriber has nothing worth a polite QUIT and may be waiting on a Redis that is gone.
    if (this.subscriber) dropRedis(this.subscriber);
    if (this.publisher) await closeRedis(this.publisher);
  }
}
