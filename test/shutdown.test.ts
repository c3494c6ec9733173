/**
 * Every service process exits within 15 s of SIGTERM, cleanly, whatever is down or in flight:
 * the built entries (dist/, as production runs them) against PostgreSQL and Redis reached through
 * TCP proxies this test owns, with orders being placed, events travelling and a webhook delivery
 * stuck on a receiver that never answers; then Redis (or PostgreSQL) is cut, before or right after
 * the signal. The machine's own PostgreSQL and Redis are never touched. Needs DATABASE_URL and
 * REDIS_URL (skipped without them) and the build (`npm run test:integration` builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { signToken } from '../gateway/plugins/http/auth/token';
import type { Role } from '../platform/viewer';
import { openDatabase } from '../prisma/database';
import { migrate } from '../prisma/migrate';
import { seedIfEmpty } from '../prisma/seed';
import { createTestDatabase, type TestDatabase } from './support/database';
import { createPartnerKey, partnerCli } from './support/partners';
import type { TestPlatform } from './support/platform';
import { deleteNamespace, startTcpProxy, type TcpProxy } from './support/redis-proxy';

const { DATABASE_URL, REDIS_URL } = process.env;
const describeWithServers = DATABASE_URL && REDIS_URL ? describe : describe.skip;

/** What the issue and Kubernetes' default grace period allow. */
const EXIT_WITHIN_MS = 15_000;
const START_TIMEOUT_MS = 60_000;
const ROOT = path.resolve(__dirname, '..');
const SUBGRAPHS = ['users', 'products', 'orders', 'payments', 'recommendations'] as const;
const JWT_SECRET = crypto.randomBytes(32).toString('hex');
const INTERNAL_SECRET = crypto.randomBytes(32).toString('hex');
/** The standalone services' fixed Redis key prefix; this test gives them a Redis database of their own. */
const NAMESPACE = 'platform';

interface Service {
  name: string;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  url: string;
}

/** Starts one built entry; resolves once it logs that it listens. */
function startService(name: string, entry: string, env: NodeJS.ProcessEnv): Promise<Service> {
  const file = path.join(ROOT, entry);
  if (!fs.existsSync(file)) throw new Error(`${entry} is missing: build first (npm run build)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    const timer = setTimeout(
      () => reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS} ms:\n${output.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        try {
          const entryLog = JSON.parse(line) as { url?: string; msg?: string };
          if (typeof entryLog.url === 'string' && /listening/.test(entryLog.msg ?? '')) {
            clearTimeout(timer);
            resolve({ name, child, output, exited, url: entryLog.url });
          }
        } catch {
          // not a log line
        }
      });
    }
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal}):\n${output.join('\n')}`));
    });
  });
}

/**
 * A webhook receiver that accepts each connection and never says a word: production registers
 * https only, and a TLS handshake that never completes holds the worker's POST in flight.
 */
async function startStalledReceiver(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  const held = new Set<net.Socket>();
  let received = 0;
  const server = net.createServer((socket) => {
    received++;
    held.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}/hooks`,
    received: () => received,
    close: async () => {
      held.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Running {
  services: Service[];
  gatewayUrl: string;
  postgres: TcpProxy;
  redis: TcpProxy;
}

describeWithServers('shutdown of every service process, whatever is down or in flight', () => {
  let database: TestDatabase;
  let redisUrl: URL;
  let receiver: Awaited<ReturnType<typeof startStalledReceiver>>;
  let modelRepository: string;
  const started: Running[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = await openDatabase({ url: database.url });
    try {
      await migrate(db);
      await seedIfEmpty(db, { seed: 11, users: 8, products: 30, orders: 10, progress: false });
    } finally {
      await db.close();
    }
    // A Redis database of their own: the standalone services' key prefix is fixed, and other runs share database 0.
    redisUrl = new URL(REDIS_URL!);
    redisUrl.pathname = `/${1 + (process.pid % 15)}`;
    receiver = await startStalledReceiver();
    modelRepository = fs.mkdtempSync(path.join(os.tmpdir(), 'shutdown-models-'));
  }, 120_000);

  afterAll(async () => {
    for (const { services, postgres, redis } of started) {
      for (const service of services)
        if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGKILL');
      await Promise.all(services.map((service) => service.exited));
      await postgres.close();
      await redis.close();
    }
    await receiver?.close();
    if (redisUrl) await deleteNamespace(redisUrl.toString(), NAMESPACE);
    await database?.drop();
    if (modelRepository) fs.rmSync(modelRepository, { recursive: true, force: true });
  });

  /** Starts every subgraph and the gateway as their own processes, through fresh proxies. */
  async function startServices(): Promise<Running> {
    const target = new URL(database.url!);
    const postgres = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const redis = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    const running: Running = { services: [], gatewayUrl: '', postgres, redis };
    started.push(running);
    const viaPostgres = new URL(database.url!);
    viaPostgres.hostname = '127.0.0.1';
    viaPostgres.port = String(postgres.port);
    const viaRedis = new URL(redisUrl);
    viaRedis.hostname = '127.0.0.1';
    viaRedis.port = String(redis.port);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      JWT_SECRET,
      INTERNAL_SECRET,
      DATABASE_URL: viaPostgres.toString(),
      REDIS_URL: viaRedis.toString(),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      MODEL_REPOSITORY: modelRepository,
      // No inference server: recommendations answer from popularity, as they do while it is down.
      INFERENCE_URL: 'http://127.0.0.1:9',
      WEBHOOK_ALLOW_PRIVATE_DESTINATIONS: 'true',
    };
    const urls: Record<string, string> = {};
    for (const name of SUBGRAPHS) {
      // Each subgraph calls those started before it (orders → products, payments → orders, …).
      const service = await startService(name, `dist/subgraphs/${name}/index.js`, { ...env, ...urls, [`${name.toUpperCase()}_PORT`]: '0' });
      running.services.push(service);
      urls[`${name.toUpperCase()}_URL`] = service.url;
    }
    const gateway = await startService('gateway', 'dist/gateway/main.js', { ...env, GATEWAY_PORT: '0', ...urls });
    running.services.push(gateway);
    running.gatewayUrl = gateway.url;
    return running;
  }

  const token = (userId: string, roles: Role[] = ['customer']) => signToken(JWT_SECRET, { userId, roles });

  async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<T> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (!body.data || body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
    return body.data;
  }

  const PLACE = 'mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

  /**
   * Orders placed by a customer and by a partner whose webhook never answers, so that events are
   * in outboxes, streams and handlers, and a delivery is in flight; resolves once the receiver
   * holds one. Then keeps placing orders in the background until told to stop.
   */
  async function putWorkInFlight(running: Running): Promise<() => Promise<void>> {
    const gatewayUrl = running.gatewayUrl;
    const { products } = await graphql<{ products: { edges: { node: { id: string; stock: number } }[] } }>(
      gatewayUrl,
      '{ products(first: 30) { edges { node { id stock } } } }',
      {},
      {},
    );
    const productIds = products.edges.filter((edge) => edge.node.stock > 20).map((edge) => edge.node.id);
    const platform = { url: gatewayUrl, token } as unknown as TestPlatform;
    const name = `shutdown-${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await createPartnerKey(platform, name);
    const { partners } = await graphql<{ partners: { id: string; name: string }[] }>(
      gatewayUrl,
      '{ partners { id name } }',
      {},
      { authorization: `Bearer ${await token('shutdown-admin', ['admin'])}` },
    );
    const partnerId = partners.find((partner) => partner.name === name)!.id;
    const registered = await partnerCli(platform, ['webhook', partnerId, receiver.url]);
    if (registered.code !== 0) throw new Error(`webhook registration failed: ${registered.errors.join('\n')}`);
    const partnerUrl = gatewayUrl.replace(/\/graphql$/, '/partner/graphql');
    const customer = { authorization: `Bearer ${await token('user-0001')}` };
    let round = 0;
    const place = (headers: Record<string, string>, url: string) =>
      graphql(
        url,
        PLACE,
        {
          input: { idempotencyKey: crypto.randomUUID(), items: [{ productId: productIds[round++ % productIds.length], quantity: 1 }] },
        },
        headers,
      );
    const before = receiver.received();
    await place({ 'x-api-key': key }, partnerUrl);
    await place(customer, gatewayUrl);
    const deadline = Date.now() + 30_000;
    while (receiver.received() === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.received()).toBeGreaterThan(before);
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await Promise.allSettled([place(customer, gatewayUrl), place({ 'x-api-key': key }, partnerUrl)]);
      }
    })();
    // Let a few rounds run, so work is in flight in every service when the cut comes.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return async () => {
      stopped = true;
      await loop;
    };
  }

  /** SIGTERM to every process at once; each one's exit and how long it took. */
  async function stopAll(running: Running): Promise<{ name: string; code: number | null; signal: string | null; ms: number }[]> {
    const sent = Date.now();
    for (const service of running.services) service.child.kill('SIGTERM');
    return Promise.all(
      running.services.map(async (service) => {
        const outcome = await Promise.race([
          service.exited,
          new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_WITHIN_MS + 5000).unref()),
        ]);
        const ms = Date.now() - sent;
        if (outcome === 'late') {
          service.child.kill('SIGKILL');
          return { name: service.name, code: null, signal: 'still running', ms };
        }
        return { name: service.name, code: outcome.code, signal: outcome.signal, ms };
      }),
    );
  }

  function expectCleanExits(exits: Awaited<ReturnType<typeof stopAll>>, running: Running): void {
    const late = exits.filter((exit) => exit.ms > EXIT_WITHIN_MS || exit.code !== 0);
    for (const exit of late) {
      const service = running.services.find((candidate) => candidate.name === exit.name)!;
      process.stderr.write(`${exit.name} (${JSON.stringify(exit)}) last lines:\n${service.output.slice(-15).join('\n')}\n`);
    }
    expect(exits.map(({ name, code, signal, ms }) => ({ name, code, signal, inTime: ms <= EXIT_WITHIN_MS }))).toEqual(
      running.services.map(({ name }) => ({ name, code: 0, signal: null, inTime: true })),
    );
  }

  it('exits within 15 s when Redis went away mid-work before the signal', async () => {
    const running = await startServices();
    const stopWork = await putWorkInFlight(running);
    await running.redis.stop();
    // Long enough for every client to be between reconnect attempts, with commands waiting.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const exits = await stopAll(running);
    await stopWork();
    expectCleanExits(exits, running);
  }, 240_000);

  it('exits within 15 s when Redis goes away right after the signal', async () => {
    const running = await startServices();
    const stopWork = await putWorkInFlight(running);
    const exiting = stopAll(running);
    await running.redis.stop();
    const exits = await exiting;
    await stopWork();
    expectCleanExits(exits, running);
  }, 240_000);

  it('exits within 15 s when PostgreSQL went away mid-work before the signal', async () => {
    const running = await startServices();
    const stopWork = await putWorkInFlight(running);
    await running.postgres.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const exits = await stopAll(running);
    await stopWork();
    expectCleanExits(exits, running);
  }, 240_000);
});

describe('the shutdown deadline', () => {
  it('exits with code 1 once SHUTDOWN_TIMEOUT_MS has passed, whatever still holds the process', async () => {
    const shutdown = path.join(ROOT, 'dist/platform/shutdown.js');
    if (!fs.existsSync(shutdown)) throw new Error('dist/platform/shutdown.js is missing: build first (npm run build)');
    // A close that never settles, as a client waiting on a dead peer would; the deadline is 300 ms.
    const script = `
      const { closeOnSignals } = require(${JSON.stringify(shutdown)});
      const { serviceLogger } = require(${JSON.stringify(path.join(ROOT, 'dist/platform/logger.js'))});
      closeOnSignals(serviceLogger('stuck'), () => new Promise(() => {}), 300);
      setInterval(() => {}, 1000);
      console.log(JSON.stringify({ msg: 'ready' }));`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('"ready"')) resolve();
      }),
    );
    const sent = Date.now();
    child.kill('SIGTERM');
    try {
      const code = await Promise.race([
        exited,
        new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), EXIT_WITHIN_MS).unref()),
      ]);
      expect(code).toBe(1);
      expect(Date.now() - sent).toBeLessThan(EXIT_WITHIN_MS);
      expect(lines.some((line) => line.includes('shutdown did not finish in time'))).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
