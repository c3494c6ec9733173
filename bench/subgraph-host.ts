/**
 * The subgraphs' side of bench/subgraph-cost.ts: the embedded platform (PGlite or DATABASE_URL,
 * in-process bus, the inference server) in a process of its own, so that the CPU this process
 * spends is the subgraphs' (its own gateway stays idle; the driver loads a gateway of its own).
 * Talks to its parent over IPC: 'ready' with the subgraph URLs, then CPU and SQL counts on ask.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { rootLogger } from '../platform/logger';
import { loadConfig } from '../platform/config';
import { startPlatform } from '../scripts/platform';

export interface HostOptions {
  databaseUrl?: string;
  modelRepository: string;
  jwtSecret: string;
  internalSecret: string;
}

export type HostMessage =
  | { type: 'ready'; urls: Record<string, string> }
  | { type: 'stats'; cpuMicros: number; queryCounts: Record<string, number> }
  | { type: 'profiled' };

/** Asks of the driver: CPU and SQL counts so far, a CPU profile of what happens between start and stop (written to `file`), close. */
export type DriverMessage = { type: 'stats' } | { type: 'profile-start' } | { type: 'profile-stop'; file: string } | { type: 'close' };

async function main() {
  rootLogger.level = 'warn';
  const options = JSON.parse(process.argv[2]) as HostOptions;
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    seed: { seed: 23, users: 100, products: 500, orders: 500 },
    eventNamespace: `bench-subgraph-cost-${process.pid}`,
    config: {
      jwtSecret: options.jwtSecret,
      internalSecret: options.internalSecret,
      databaseUrl: options.databaseUrl,
      redisUrl: undefined,
      modelRepository: options.modelRepository,
      inferenceDeadlineMs: 30_000,
      recommendations: { ...loadConfig().recommendations, cache: true },
    },
  });
  const send = (message: HostMessage) => process.send!(message);
  const session = new Session();
  session.connect();
  process.on('message', (message: DriverMessage) => {
    if (message.type === 'profile-start') {
      void session.post('Profiler.enable').then(() => session.post('Profiler.start'));
    } else if (message.type === 'profile-stop') {
      void session.post('Profiler.stop').then(({ profile }) => {
        fs.writeFileSync(message.file, JSON.stringify(profile));
        send({ type: 'profiled' });
      });
    } else if (message.type === 'stats') {
      const { user, system } = process.cpuUsage();
      send({ type: 'stats', cpuMicros: user + system, queryCounts: { ...platform.queryCounts } });
    } else if (message.type === 'close') {
      void platform.close().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => void platform.close().then(() => process.exit(0)));
  send({ type: 'ready', urls: Object.fromEntries(Object.entries(platform.subgraphs).map(([name, s]) => [name, s.url])) });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
