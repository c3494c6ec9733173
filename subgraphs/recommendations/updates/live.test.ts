/** What a dashboard subscription gets on a gap: the current list, unless a fresher update overtook it. */
import { rootLogger } from '../../../platform/logger';
import type { Broadcast, BroadcastListener, Channel } from '../../../platform/broadcast';
import { ERASED_SUBJECTS } from '../../../platform/erased-subjects';
import { LiveRecommendations, type RecommendationsUpdated } from './live';

/** A broadcast whose gaps the test causes; a message reaches the listeners of its own channel. */
class ManualBroadcast implements Broadcast {
  readonly listeners: { channel: string; listener: BroadcastListener<unknown> }[] = [];
  async publish<T>(channel: Channel<T>, payload: T): Promise<boolean> {
    for (const entry of this.listeners) if (entry.channel === channel.name) void entry.listener.message(payload);
    return true;
  }
  subscribe<T>(channel: Channel<T>, listener: BroadcastListener<T>): () => void {
    const entry = { channel: channel.name, listener: listener as BroadcastListener<unknown> };
    this.listeners.push(entry);
    return () => this.listeners.splice(this.listeners.indexOf(entry), 1);
  }
  async ready(): Promise<void> {}
  async close(): Promise<void> {}
  gap(): void {
    for (const { listener } of this.listeners) void listener.gap();
  }
}

const item = (productId: string) => ({ productId, score: 1, reason: 'MODEL' });
const update = (userId: string, productId: string): RecommendationsUpdated => ({
  userId,
  trigger: 'ORDER_PLACED',
  items: [item(productId)],
  publishedAt: new Date().toISOString(),
});

describe('live recommendations', () => {
  it("hands each update to its user's subscriptions only, and on a gap pushes every watched user's current list", async () => {
    const broadcast = new ManualBroadcast();
    const reads: string[] = [];
    const live = new LiveRecommendations(broadcast, async (userId) => (reads.push(userId), [item(`now-${userId}`)]), rootLogger);
    const [a, b] = [live.watch('u1'), live.watch('u2')];
    await live.publish(update('u1', 'p1'));
    expect((await a.next()).value).toMatchObject({ userId: 'u1', trigger: 'ORDER_PLACED' });
    broadcast.gap();
    expect((await a.next()).value).toMatchObject({ userId: 'u1', trigger: 'RESYNC', items: [item('now-u1')] });
    expect((await b.next()).value).toMatchObject({ userId: 'u2', trigger: 'RESYNC', items: [item('now-u2')] });
    expect(reads.sort()).toEqual(['u1', 'u2']);
    await a.return?.();
    expect(live.watchedUsers()).toEqual(['u2']);
    await live.close();
  });

  it('does not push a re-read that an update overtook', async () => {
    const broadcast = new ManualBroadcast();
    let release: () => void = () => undefined;
    const live = new LiveRecommendations(broadcast, () => new Promise((resolve) => (release = () => resolve([item('stale')]))), rootLogger);
    const watching = live.watch('u1');
    broadcast.gap();
    await live.publish(update('u1', 'fresh'));
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await live.publish(update('u1', 'later'));
    expect((await watching.next()).value.items).toEqual([item('fresh')]);
    expect((await watching.next()).value.items).toEqual([item('later')]);
    await live.close();
  });

  it("ends an erased user's subscriptions when the erasure is broadcast, and nobody else's", async () => {
    const broadcast = new ManualBroadcast();
    const live = new LiveRecommendations(broadcast, async () => [], rootLogger);
    const [erased, other] = [live.watch('u1'), live.watch('u2')];
    await broadcast.publish(ERASED_SUBJECTS, { userId: 'u1' });
    expect(await erased.next()).toEqual({ done: true, value: undefined });
    expect(live.watchedUsers()).toEqual(['u2']);
    await live.publish(update('u2', 'p2'));
    expect((await other.next()).value).toMatchObject({ userId: 'u2' });
    await live.close();
  });
});
