/**
 * The platform as deployed: every service its own process, started from the built entries
 * (`dist/…`, so `npm run build` first) against a PostgreSQL database of its own, as
 * scripts/production-shape.mjs starts the image's. For tests that need what only separate
 * processes show (one registry per process, a process that stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import pg from 'pg';
import { fromRoot } from '../../platform/paths';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/services';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export type ServiceName = SubgraphName | 'gateway' | 'inference';

export interface ServiceProcess {
  /** Where the service answers (its /graphql, /healthz). */
  url: string;
  /** Where its /metrics is: its own port, or the gateway's metrics listener. */
  metricsUrl: string;
}

export interface ServiceProcesses {
  services: Record<ServiceName, ServiceProcess>;
  /** The gateway's GraphQL endpoint. */
  graphqlUrl: string;
  jwtSecret: string;
  /** SIGTERM, and waits for the exit. */
  stop(name: SubgraphName): Promise<void>;
  /** Starts a stopped subgraph again, on its port. */
  restart(name: SubgraphName): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  output: string[];
}

/** Starts one entry; resolves with its first "… listening" log line's fields. */
function startEntry(entry: string, env: NodeJS.ProcessEnv): Promise<{ running: Running; listening: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('dist', entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const running: Running = { child, output: [], exited: new Promise((done) => child.once('exit', () => done())) };
    const timer = setTimeout(() => reject(new Error(`${entry} did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        running.output.push(line);
        try {
          const logged = JSON.parse(line) as Record<string, unknown>;
          if (typeof logged.url === 'string' && /listening/.test(String(logged.msg))) {
            clearTimeout(timer);
            resolve({ running, listening: logged });
          }
        } catch {
          // not a log line
        }
      });
    }
    void running.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited during start-up: ${running.output.slice(-10).join('\n')}`));
    });
  });
}

async function stopEntry(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill('SIGTERM');
  const killed = setTimeout(() => running.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await running.exited;
  clearTimeout(killed);
}

/** Starts every service in a process of its own, on a fresh database of the server `databaseUrl` names. */
export async function startServiceProcesses(databaseUrl: string): Promise<ServiceProcesses> {
  const database = `service_processes_${crypto.randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const models = fs.mkdtempSync(path.join(os.tmpdir(), 'service-processes-models-'));
  const jwtSecret = crypto.randomBytes(32).toString('hex');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    JWT_SECRET: jwtSecret,
    INTERNAL_SECRET: crypto.randomBytes(32).toString('hex'),
    DATABASE_URL: url.href,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MODEL_REPOSITORY: models,
    INFERENCE_EXECUTION_PROVIDERS: 'cpu',
  };
  await admin(`CREATE DATABASE ${database}`);
  const running = new Map<ServiceName, Running>();
  const subgraphEnv = new Map<SubgraphName, NodeJS.ProcessEnv>();
  const close = async () => {
    await Promise.all([...running.values()].map(stopEntry));
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    fs.rmSync(models, { recursive: true, force: true });
  };
  try {
    const services = {} as Record<ServiceName, ServiceProcess>;
    const inference = await startEntry('inference/main.js', { ...env, INFERENCE_PORT: '0', INFERENCE_GRPC_PORT: '0' });
    running.set('inference', inference.running);
    const inferenceUrl = String(inference.listening.url);
    services.inference = { url: inferenceUrl, metricsUrl: `${inferenceUrl}/metrics` };
    // One at a time: each applies the database's migrations as it starts.
    for (const name of SUBGRAPH_NAMES) {
      // A port of its own, kept for a restart: Prometheus and the gateway keep calling it there.
      const ownEnv = { ...env, [`${name.toUpperCase()}_PORT`]: String(await freePort()), INFERENCE_URL: inferenceUrl };
      subgraphEnv.set(name, ownEnv);
      const started = await startEntry(`subgraphs/${name}/index.js`, ownEnv);
      running.set(name, started.running);
      const base = String(started.listening.url).replace(/\/graphql$/, '');
      services[name] = { url: base, metricsUrl: `${base}/metrics` };
    }
    const subgraphUrls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `${services[name].url}/graphql`]));
    const gateway = await startEntry('gateway/main.js', {
      ...env,
      GATEWAY_PORT: '0',
      GATEWAY_METRICS_PORT: '0',
      INFERENCE_URL: inferenceUrl,
      ...subgraphUrls,
    });
    running.set('gateway', gateway.running);
    const graphqlUrl = String(gateway.listening.url);
    services.gateway = { url: graphqlUrl.replace(/\/graphql$/, ''), metricsUrl: String(gateway.listening.metricsUrl) };
    return {
      services,
      graphqlUrl,
      jwtSecret,
      async stop(name) {
        const entry = running.get(name);
        if (entry) await stopEntry(entry);
      },
      async restart(name) {
        const started = await startEntry(`subgraphs/${name}/index.js`, subgraphEnv.get(name)!);
        running.set(name, started.running);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
