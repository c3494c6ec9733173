/**
 * What three concurrent 95 MB connection_init frames cost a gateway, with the WebSocket message cap
 * (64 KiB, the default) and without it (100 MiB, ws's own default). The gateway runs alone in a
 * child process (no subgraphs needed: the frames never get past graphql-ws) and samples its own
 * peak RSS; this process is the attacker. Localhost only, bounded in time.
 *
 *   npm run -s build && node dist/bench/ws-frame-memory.js
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import pino from 'pino';
import WebSocket from 'ws';
import { WEBSOCKET_DEFAULTS } from '../platform/config';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/services';
import { startGateway } from '../gateway/server';

const FRAME_BYTES = 95 * 1024 * 1024;
const SOCKETS = 3;
const MiB = 1024 * 1024;

interface Report {
  rssBefore: number;
  rssPeak: number;
}

/** Child: a lone gateway with the given cap, reporting its peak RSS when asked. */
async function serveGateway(maxPayloadBytes: number): Promise<void> {
  const gateway = await startGateway({
    port: 0,
    host: '127.0.0.1',
    jwtSecret: 'bench-secret',
    internalSecret: 'bench-internal',
    subgraphUrls: Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, 'http://127.0.0.1:9/graphql'])) as Record<SubgraphName, string>,
    subscriptionLimits: { perConnection: 50, total: 10_000 },
    subgraphTimeoutMs: 30_000,
    // A slow attacker must not be cut off by the connection_init timeout: this measures the cap alone.
    websocket: { ...WEBSOCKET_DEFAULTS, maxPayloadBytes, connectionInitTimeoutMs: 120_000 },
    log: pino({ level: 'silent' }),
  });
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
  process.on('message', async (message) => {
    if (message !== 'report') return;
    clearInterval(sampler);
    process.send!({ rssBefore, rssPeak } satisfies Report);
    await gateway.close();
    process.exit(0);
  });
  process.send!({ url: gateway.url });
}

/** Attacker: SOCKETS connections, each sending one huge connection_init; resolves with how each one ended. */
async function flood(url: string): Promise<string[]> {
  const frame = Buffer.from(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(FRAME_BYTES) } }));
  return Promise.all(
    Array.from(
      { length: SOCKETS },
      () =>
        new Promise<string>((resolve) => {
          const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { maxPayload: 1024 * MiB });
          const done = (outcome: string) => (clearTimeout(giveUp), socket.terminate(), resolve(outcome));
          const giveUp = setTimeout(() => done('no answer in 120 s'), 120_000);
          socket.on('error', () => undefined);
          socket.on('open', () => socket.send(frame, { binary: false }));
          // Without the cap the frame is read whole, parsed and acknowledged.
          socket.on('message', (data) => done(`${JSON.parse(String(data)).type}`));
          socket.on('close', (code) => done(`closed ${code}`));
        }),
    ),
  );
}

async function measure(maxPayloadBytes: number): Promise<Report & { closes: string[] }> {
  const child: ChildProcess = fork(__filename, ['--gateway', String(maxPayloadBytes)], { stdio: 'inherit' });
  const next = () => new Promise<unknown>((resolve) => child.once('message', resolve));
  const { url } = (await next()) as { url: string };
  const closes = await flood(url);
  await new Promise((resolve) => setTimeout(resolve, 500));
  child.send('report');
  const report = (await next()) as Report;
  return { ...report, closes };
}

async function main() {
  if (process.argv[2] === '--gateway') return serveGateway(Number(process.argv[3]));
  for (const [label, cap] of [
    ['capped (64 KiB)', WEBSOCKET_DEFAULTS.maxPayloadBytes],
    ['uncapped (100 MiB, ws default)', 100 * MiB],
  ] as const) {
    const { rssBefore, rssPeak, closes } = await measure(cap);
    console.log(
      `${label.padEnd(32)} RSS ${Math.round(rssBefore / MiB)} MB → peak ${Math.round(rssPeak / MiB)} MB (+${Math.round((rssPeak - rssBefore) / MiB)} MB); closes: ${closes.join(', ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
