/**
 * Both buses keep the same promises: every consumer group gets each event, a failing handler
 * gets it again, nothing is delivered to a group twice after success. The Redis bus runs
 * against the real Redis when REDIS_URL is set (CI's second pass does).
 */
import crypto from 'node:crypto';
import { rootLogger } from '../../../platform/logger';
import { closeRedis, openRedis } from '../../../platform/redis';
import { InProcessEventBus } from './in-process';
import { newEvent } from './outbox';
import { RedisEventBus } from './redis';
import type { DomainEvent, EventBus } from './types';

const payment = { paymentId: 'p1', orderId: 'o1', userId: 'u1', amount: 100, currency: 'EUR' };

async function until(check: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const buses: [string, () => EventBus][] = [['in-process', () => new InProcessEventBus(rootLogger)]];
if (process.env.REDIS_URL) {
  buses.push(['redis streams', () => new RedisEventBus(process.env.REDIS_URL!, rootLogger, `test-${crypto.randomUUID()}`)]);
}

describe.each(buses)('%s event bus', (_name, create) => {
  let bus: EventBus;

  beforeEach(() => {
    bus = create();
  });

  afterEach(() => bus.close());

  it('delivers each event once to every consumer group', async () => {
    const seen: Record<string, DomainEvent[]> = { orders: [], audit: [] };
    bus.subscribe('payment.captured', 'orders', async (event) => void seen.orders.push(event));
    bus.subscribe('payment.captured', 'audit', async (event) => void seen.audit.push(event));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let consumer groups exist before publishing
    await bus.publish(newEvent('payment.captured', payment));
    await bus.publish(newEvent('payment.captured', { ...payment, paymentId: 'p2' }));
    await until(() => seen.orders.length === 2 && seen.audit.length === 2);
    expect(seen.orders.map((event) => event.payload)).toEqual([payment, { ...payment, paymentId: 'p2' }]);
    expect(new Set(seen.orders.map((event) => event.id)).size).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.orders).toHaveLength(2);
  });

  it('hands a group its events in publish order, one at a time, however long each handler takes', async () => {
    const handled: string[] = [];
    let running = 0;
    let mostAtOnce = 0;
    bus.subscribe('payment.captured', 'orders', async (event) => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      // The earlier an event, the slower its handler: a bus that ran them side by side would reorder them.
      await new Promise((resolve) => setTimeout(resolve, event.payload.amount === 1 ? 60 : event.payload.amount === 2 ? 20 : 0));
      handled.push(event.payload.paymentId);
      running--;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let n = 1; n <= 4; n++) await bus.publish(newEvent('payment.captured', { ...payment, paymentId: `p${n}`, amount: n }));
    await until(() => handled.length === 4);
    expect(handled).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(mostAtOnce).toBe(1);
  });

  it('retries an event whose handler failed', async () => {
    let attempts = 0;
    bus.subscribe('payment.refunded', 'orders', async () => {
      attempts++;
      if (attempts === 1) throw new Error('database briefly unavailable');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bus.publish(newEvent('payment.refunded', payment));
    await until(() => attempts >= 2, 15_000);
    expect(attempts).toBe(2);
  }, 20_000);
});

const withRedis = process.env.REDIS_URL ? describe : describe.skip;

withRedis('redis streams event bus when Redis loses its data', () => {
  it('re-creates a lost consumer group in the read loop and delivers what is published afterwards', async () => {
    const namespace = `test-${crypto.randomUUID()}`;
    const bus = new RedisEventBus(process.env.REDIS_URL!, rootLogger, namespace);
    const admin = openRedis(process.env.REDIS_URL!, { role: 'test', log: rootLogger });
    try {
      const seen: string[] = [];
      bus.subscribe('payment.captured', 'orders', async (event) => void seen.push(event.payload.paymentId));
      await bus.publish(newEvent('payment.captured', payment));
      await until(() => seen.length === 1);
      // What a failover to an empty Redis does to this stream: the stream and its group are gone.
      await admin.del(`${namespace}:events:payment.captured`);
      await bus.publish(newEvent('payment.captured', { ...payment, paymentId: 'p2' }));
      await until(() => seen.length === 2, 15_000);
      expect(seen).toEqual(['p1', 'p2']);
    } finally {
      await bus.close();
      await admin.del(`${namespace}:events:payment.captured`);
      await closeRedis(admin);
    }
  }, 20_000);
});
