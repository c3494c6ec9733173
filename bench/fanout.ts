/**
 * Subscription fan-out: many dashboards subscribed through the gateway, events driven through the
 * real pipeline (interaction event → recommendations refresh → live notification → gateway →
 * products subgraph for names and prices → each client). Measures deliveries per second and
 * latency from publish to client receipt, for 1 subscriber (the baseline) and for N in one run.
 * Everything runs on 127.0.0.1, bounded in time.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signToken } from '../gateway/plugins/http/auth/token';
import { fromRoot } from '../platform/paths';
import { startPlatform, type RunningPlatform } from '../scripts/platform';
import { newEvent } from '../subgraphs/kit/events';
import { round, summarize } from './stats';

const SUBSCRIPTION = `subscription ($userId: ID!) {
  recommendationsUpdated(userId: $userId) { trigger publishedAt items { score product { name price { amount currency } } } }
}`;

export interface FanoutOptions {
  subscribers?: number;
  watchedUsers?: number;
  eventsPerSecond?: number;
  seconds?: number;
}

interface Phase {
  subscribers: number;
  eventsPublished: number;
  deliveries: number;
  expectedDeliveries: number;
  deliveriesPerSecond: number;
  latencyMs: { count: number; p50: number; p99: number; max: number };
}

const JWT_SECRET = 'bench-secret';

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for subscribers');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function runPhase(
  platform: RunningPlatform,
  subscribers: number,
  watchedUsers: number,
  eventsPerSecond: number,
  seconds: number,
): Promise<Phase> {
  const users = Array.from({ length: Math.min(watchedUsers, subscribers) }, (_, i) => `user-${String(i + 1).padStart(4, '0')}`);
  const adminToken = await signToken(JWT_SECRET, { userId: 'bench-admin', roles: ['admin'] });
  const latencies: number[] = [];
  const clients: Client[] = [];
  const stops: (() => void)[] = [];
  let deliveries = 0;
  let warmupDeliveries = 0;
  let measuringSince = Infinity;
  for (let i = 0; i < subscribers; i++) {
    const client = createClient({
      url: platform.gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${adminToken}` },
      retryAttempts: 0,
    });
    clients.push(client);
    stops.push(
      client.subscribe<{ recommendationsUpdated: { publishedAt: string } }>(
        { query: SUBSCRIPTION, variables: { userId: users[i % users.length] } },
        {
          next: ({ data }) => {
            if (!data) return;
            const publishedAt = Date.parse(data.recommendationsUpdated.publishedAt);
            // Only updates published inside the measured window count; warm-up ones are tallied apart.
            if (publishedAt < measuringSince) {
              warmupDeliveries++;
              return;
            }
            deliveries++;
            latencies.push(Date.now() - publishedAt);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      ),
    );
  }
  await until(
    () => platform.gateway.hub.activeSubscriptions === subscribers && platform.gateway.hub.upstreamCount === users.length,
    30_000,
  );
  // Warm-up, not measured (JIT, first model calls, connections): at least 100 events, paced like the run.
  const warmupEvents = Math.max(users.length, 100);
  for (let i = 0; i < warmupEvents; i++) {
    await platform.bus.publish(
      newEvent('interaction.recorded', {
        userId: users[i % users.length],
        productId: 'product-00001',
        kind: 'VIEW',
        occurredAt: new Date().toISOString(),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / eventsPerSecond));
  }
  await until(() => warmupDeliveries >= warmupEvents * (subscribers / users.length), 30_000).catch(() => undefined);

  measuringSince = Date.now();
  let published = 0;
  const interval = 1000 / eventsPerSecond;
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    const userId = users[published % users.length];
    await platform.bus.publish(
      newEvent('interaction.recorded', {
        userId,
        productId: 'product-00001',
        kind: 'VIEW',
        occurredAt: new Date().toISOString(),
      }),
    );
    published++;
    const nextAt = started + published * interval;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - Date.now())));
  }
  const elapsed = (Date.now() - started) / 1000;
  const expected = published * (subscribers / users.length);
  await until(() => deliveries >= expected, 5_000).catch(() => undefined);
  stops.forEach((stop) => stop());
  await Promise.all(clients.map((client) => Promise.resolve(client.dispose())));
  return {
    subscribers,
    eventsPublished: published,
    deliveries,
    expectedDeliveries: expected,
    deliveriesPerSecond: round(deliveries / elapsed, 1),
    latencyMs: summarize(latencies),
  };
}

export interface FanoutResult {
  baseline: Phase;
  fanout: Phase;
  ratios: { deliveriesPerSecond: number; p99: number };
  targetP99Ms: number;
  meetsTarget: boolean;
}

export async function runFanoutBench(options: FanoutOptions = {}): Promise<FanoutResult> {
  const subscribers = options.subscribers ?? 1000;
  const watchedUsers = options.watchedUsers ?? 100;
  const eventsPerSecond = options.eventsPerSecond ?? 50;
  const seconds = options.seconds ?? 8;
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    seed: { seed: 3, users: 200, products: 500, orders: 1500 },
    config: {
      jwtSecret: JWT_SECRET,
      internalSecret: 'bench-internal',
      databaseUrl: undefined,
      redisUrl: undefined,
      subscriptionLimits: { perConnection: 50, total: 20_000 },
    },
  });
  try {
    const baseline = await runPhase(platform, 1, 1, eventsPerSecond, Math.min(seconds, 4));
    const fanout = await runPhase(platform, subscribers, watchedUsers, eventsPerSecond, seconds);
    const result: FanoutResult = {
      baseline,
      fanout,
      ratios: {
        deliveriesPerSecond: round(fanout.deliveriesPerSecond / baseline.deliveriesPerSecond, 1),
        p99: round(fanout.latencyMs.p99 / baseline.latencyMs.p99, 2),
      },
      targetP99Ms: 100,
      meetsTarget: fanout.latencyMs.p99 < 100 && fanout.deliveries >= fanout.expectedDeliveries,
    };
    const out = fromRoot('bench', 'results', 'fanout.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await platform.close();
  }
}

export function formatFanout(result: FanoutResult): string {
  const row = (name: string, phase: Phase) =>
    `${name.padEnd(10)} ${String(phase.subscribers).padStart(6)} ${String(phase.eventsPublished).padStart(7)} ${`${phase.deliveries}/${phase.expectedDeliveries}`.padStart(13)} ${String(phase.deliveriesPerSecond).padStart(10)} ${String(phase.latencyMs.p50).padStart(8)} ${String(phase.latencyMs.p99).padStart(8)}`;
  return [
    'Subscription fan-out (publish → client receipt, through gateway and products subgraph)',
    `${'phase'.padEnd(10)} ${'subs'.padStart(6)} ${'events'.padStart(7)} ${'delivered'.padStart(13)} ${'deliv/s'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
    row('baseline', result.baseline),
    row('fan-out', result.fanout),
    `deliveries/s ×${result.ratios.deliveriesPerSecond} vs 1 subscriber; p99 ×${result.ratios.p99}; target p99 < ${result.targetP99Ms} ms at ${result.fanout.subscribers}: ${result.meetsTarget ? 'met' : 'NOT met'}`,
  ].join('\n');
}

if (require.main === module) {
  runFanoutBench()
    .then((result) => console.log(formatFanout(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
