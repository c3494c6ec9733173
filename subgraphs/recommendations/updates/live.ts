/**
 * Live recommendation updates for dashboards: published on the platform's broadcast, so a refresh
 * in any replica reaches the subscribers of every replica, and handed to this replica's
 * subscriptions of the user they are about.
 *
 * Pub/sub can miss updates (a Redis reconnect, a publisher that could not reach Redis). On such a
 * gap each watched user's current list is read again and pushed with trigger RESYNC: a dashboard
 * then shows what is true now instead of silently keeping a list an update it never got replaced.
 */
import { defineChannel, type Broadcast } from '../../../platform/broadcast';
import { ERASED_SUBJECTS } from '../../../platform/erased-subjects';
import type { Logger } from '../../../platform/logger';
import { pushIterator, type PushIterator } from '../../../platform/push-iterator';
import { currentTraceparent } from '../../../platform/telemetry';

/** What caused an update; RESYNC: updates may have been missed, this is the list as it is now. */
export type RecommendationTrigger = 'ORDER_PLACED' | 'INTERACTION' | 'MODEL_UPDATED' | 'RESYNC';

export interface RecommendationsUpdated {
  userId: string;
  trigger: RecommendationTrigger;
  items: {
    productId: string;
    score: number;
    reason: string;
    modelVersion?: string | null;
    degraded?: boolean;
    /** DegradedReason values; absent in updates published before they existed. */
    degradedReasons?: string[];
    /** RecommendationVariant: the pipeline that served the list; absent in updates published before the A/B. */
    variant?: string | null;
  }[];
  /** When the update was published (ISO time), so receivers can measure delivery latency. */
  publishedAt: string;
  /** The W3C trace context of the work that published it, when traced: the dashboard's event links back to it. */
  traceparent?: string;
}

/** `<namespace>:live:recommendations.updated` on Redis, the channel the event bus used before. */
export const RECOMMENDATIONS_UPDATED = defineChannel<RecommendationsUpdated>('live:recommendations.updated');

/** A user's current recommendations, as an update carries them. */
export type CurrentItems = (userId: string) => Promise<RecommendationsUpdated['items']>;

export class LiveRecommendations {
  /** This replica's subscriptions, by the user they watch. */
  private readonly watching = new Map<string, Set<PushIterator<RecommendationsUpdated>>>();
  /** Per user, how many updates arrived: a re-read that an update overtook is not pushed. */
  private readonly received = new Map<string, number>();
  private unsubscribe?: () => void;
  private unsubscribeErasures?: () => void;

  constructor(
    private readonly broadcast: Broadcast,
    private readonly currentItems: CurrentItems,
    private readonly log: Logger,
  ) {}

  /** Hands an update to every subscription of its user, in every replica. */
  async publish(update: RecommendationsUpdated): Promise<void> {
    const traceparent = currentTraceparent();
    await this.broadcast.publish(RECOMMENDATIONS_UPDATED, traceparent ? { ...update, traceparent } : update);
  }

  /** The updates of one user until the consumer stops. */
  watch(userId: string): AsyncIterableIterator<RecommendationsUpdated> {
    this.unsubscribe ??= this.broadcast.subscribe(RECOMMENDATIONS_UPDATED, {
      message: (update) => this.deliver(update),
      gap: () => this.resync(),
    });
    // An erased user's streams end in every replica at once; the erasure consumer ends them too (at least once).
    this.unsubscribeErasures ??= this.broadcast.subscribe(ERASED_SUBJECTS, {
      message: ({ userId }) => this.end(userId),
      // Nothing to re-read: the erasure consumer ends the streams of every user it erases.
      gap: () => undefined,
    });
    const subscriptions = this.watching.get(userId) ?? new Set();
    this.watching.set(userId, subscriptions);
    const iterator = pushIterator<RecommendationsUpdated>(() => {
      subscriptions.delete(iterator);
      if (subscriptions.size === 0 && this.watching.get(userId) === subscriptions) {
        this.watching.delete(userId);
        this.received.delete(userId);
      }
    });
    subscriptions.add(iterator);
    return iterator;
  }

  /** Ends this replica's subscriptions of the user (erasure): their streams complete, nothing more is pushed. */
  end(userId: string): void {
    const subscriptions = this.watching.get(userId);
    if (!subscriptions) return;
    for (const iterator of [...subscriptions]) iterator.end();
    this.watching.delete(userId);
    this.received.delete(userId);
  }

  /** Users with at least one subscription here. */
  watchedUsers(): string[] {
    return [...this.watching.keys()];
  }

  /** Resolves once updates published from now on reach the subscriptions made so far. */
  ready(): Promise<void> {
    return this.broadcast.ready();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribeErasures?.();
    for (const subscriptions of this.watching.values()) for (const iterator of subscriptions) iterator.end();
    this.watching.clear();
    await this.broadcast.close();
  }

  private deliver(update: RecommendationsUpdated): void {
    const subscriptions = this.watching.get(update.userId);
    if (!subscriptions) return;
    this.received.set(update.userId, (this.received.get(update.userId) ?? 0) + 1);
    for (const iterator of subscriptions) iterator.push(update);
  }

  private async resync(): Promise<void> {
    const users = this.watchedUsers();
    if (users.length > 0) this.log.info({ users: users.length }, 'live updates may have been missed; pushing current recommendations');
    await Promise.all(users.map((userId) => this.resyncUser(userId)));
  }

  private async resyncUser(userId: string): Promise<void> {
    const before = this.received.get(userId) ?? 0;
    let items: RecommendationsUpdated['items'];
    try {
      items = await this.currentItems(userId);
    } catch (error) {
      this.log.warn({ err: error, userId }, 'recommendations not re-read after missed updates; the next update brings them');
      return;
    }
    // An update that arrived meanwhile is at least as fresh as this re-read.
    if ((this.received.get(userId) ?? 0) !== before) return;
    this.deliver({ userId, trigger: 'RESYNC', items, publishedAt: new Date().toISOString() });
  }
}
