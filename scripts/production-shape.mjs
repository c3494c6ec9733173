#!/usr/bin/env node
// Starts an assembled production runtime (scripts/assemble-runtime.sh) the way the image runs it:
// every service entry its own process, NODE_ENV=production, real secrets, PostgreSQL (a database
// of its own, dropped at the end), Redis when REDIS_URL is set. Passes when every service answers
// /healthz, the gateway is ready and serves a query through the subgraphs, the partner CLI makes
// a key that the partner API accepts, and every process exits within its time after SIGTERM.
//   DATABASE_URL=postgresql://… [REDIS_URL=redis://…] node scripts/production-shape.mjs <runtime folder>
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const SUBGRAPHS = ['users', 'products', 'orders', 'payments', 'recommendations'];

const runtime = path.resolve(process.argv[2] ?? '');
if (!process.argv[2] || !fs.existsSync(path.join(runtime, 'dist'))) fail(`usage: production-shape.mjs <runtime folder with dist/>`);
if (!process.env.DATABASE_URL) fail('DATABASE_URL must name a PostgreSQL server to start the services against');

// The runtime's own pg: what the image has, nothing from the development tree.
const { Client } = createRequire(path.join(runtime, 'package.json'))('pg');

function fail(message) {
  process.stderr.write(`production shape: ${message}\n`);
  process.exit(1);
}

async function withAdmin(sql) {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const children = [];

/** Starts one entry and resolves with its URL once it logs that it listens. */
function start(name, entry, env, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, entry], { cwd: runtime, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const record = { name, child, output: [], exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))) };
    children.push(record);
    const timer = setTimeout(() => reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        record.output.push(line);
        try {
          const entryLog = JSON.parse(line);
          if (typeof entryLog.url === 'string' && /listening/.test(entryLog.msg ?? '')) {
            clearTimeout(timer);
            resolve(entryLog.url.replace(/\/graphql$/, ''));
          }
        } catch {
          // not a log line
        }
      });
    }
    record.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (code ${code}, signal ${signal})`));
    });
  });
}

async function expectOk(label, url, init) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${label}: HTTP ${response.status} ${body.slice(0, 300)}`);
  process.stdout.write(`  ok  ${label}\n`);
  return body;
}

/** The partner page's way to get a partner key (docs/partner-api.md), run from the runtime: the key is the last line. */
function makePartnerKey(env) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['dist/scripts/partner.js', 'create', '--name', 'production-shape'],
      { cwd: runtime, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`partner create failed: ${error.message} ${stderr.slice(0, 300)}`));
        process.stdout.write('  ok  a partner key made with the partner CLI\n');
        resolve(stdout.trim().split('\n').at(-1));
      },
    );
  });
}

/** Readiness is polled, as Kubernetes does: a first check may find a cold subgraph still warming up. */
async function expectReady(label, url, withinMs = 30_000) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await expectOk(label, url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function stopAll() {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGTERM');
  const slow = [];
  await Promise.all(
    children.map(async (record) => {
      const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS));
      if ((await Promise.race([record.exited, timer])) === 'timeout') {
        slow.push(record.name);
        record.child.kill('SIGKILL');
        await record.exited;
      }
    }),
  );
  return slow;
}

async function main() {
  const database = `production_shape_${crypto.randomBytes(4).toString('hex')}`;
  const databaseUrl = new URL(process.env.DATABASE_URL);
  databaseUrl.pathname = `/${database}`;
  const models = fs.mkdtempSync(path.join(os.tmpdir(), 'production-shape-models-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    JWT_SECRET: crypto.randomBytes(32).toString('hex'),
    INTERNAL_SECRET: crypto.randomBytes(32).toString('hex'),
    DATABASE_URL: databaseUrl.href,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MODEL_REPOSITORY: models,
    INFERENCE_EXECUTION_PROVIDERS: 'cpu',
  };
  await withAdmin(`CREATE DATABASE ${database}`);
  let failure;
  let gatewayModules;
  try {
    const inference = await start('inference', 'dist/inference/main.js', { ...env, INFERENCE_PORT: '0' });
    const urls = {};
    for (const name of SUBGRAPHS) {
      urls[name] = await start(name, `dist/subgraphs/${name}/index.js`, {
        ...env,
        [`${name.toUpperCase()}_PORT`]: '0',
        INFERENCE_URL: inference,
      });
    }
    const subgraphUrls = Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_URL`, `${urls[name]}/graphql`]));
    // The gateway process writes down every module it loaded when it exits (checked below).
    const loadedList = path.join(models, 'gateway-modules.json');
    const recorder = path.join(models, 'record-modules.cjs');
    fs.writeFileSync(
      recorder,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedList)}, JSON.stringify(Object.keys(require.cache))));\n`,
    );
    const gateway = await start(
      'gateway',
      'dist/gateway/main.js',
      // Production serves /metrics on a listener of its own (9464 unless set): any free port here.
      { ...env, GATEWAY_PORT: '0', GATEWAY_METRICS_PORT: '0', INFERENCE_URL: inference, ...subgraphUrls },
      ['--require', recorder],
    );
    gatewayModules = loadedList;

    for (const [name, url] of [['inference', inference], ...SUBGRAPHS.map((name) => [name, urls[name]]), ['gateway', gateway]]) {
      await expectOk(`${name} /healthz`, `${url}/healthz`);
    }
    await expectReady('gateway /readyz (every subgraph ready)', `${gateway}/readyz`);
    const publicMetrics = await fetch(`${gateway}/metrics`, { signal: AbortSignal.timeout(10_000) });
    if (publicMetrics.status !== 404) throw new Error(`gateway /metrics on the public port: HTTP ${publicMetrics.status}, expected 404`);
    process.stdout.write('  ok  gateway /metrics is not on the public port\n');
    const body = await expectOk('a query through the gateway', `${gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id name } } } }' }),
    });
    if (JSON.parse(body).errors) throw new Error(`the query answered errors: ${body}`);
    // A subgraph of its own process counts its statements as the embedded platform does.
    const productsMetrics = await expectOk('products /metrics', `${urls.products}/metrics`);
    const statements = /^db_statement_duration_seconds_count\{service="products"\} (\d+)/m.exec(productsMetrics);
    if (!statements || Number(statements[1]) === 0 || !/^db_queries_total\{service="products"\} [1-9]/m.test(productsMetrics)) {
      throw new Error('the products process counted no SQL statements (db_queries_total, db_statement_duration_seconds)');
    }
    process.stdout.write(`  ok  the products process counted ${statements[1]} SQL statements\n`);
    const partnerKey = await makePartnerKey({ ...env, GATEWAY_URL: gateway });
    const partnerBody = await expectOk('a query through the partner API with that key', `${gateway}/partner/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': partnerKey },
      body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id name } } } }' }),
    });
    if (JSON.parse(partnerBody).errors) throw new Error(`the partner query answered errors: ${partnerBody}`);
  } catch (error) {
    failure = error;
  }
  const slow = await stopAll();
  if (!failure && gatewayModules) {
    // A gateway pod carries no database or subgraph code.
    const loaded = JSON.parse(fs.readFileSync(gatewayModules, 'utf8')).map((file) => path.relative(runtime, file));
    const strays = loaded.filter((file) =>
      /^dist\/(subgraphs|prisma|inference|training)\/|node_modules\/(@prisma\/client|@electric-sql\/pglite|type-graphql|pg)\//.test(file),
    );
    if (strays.length > 0)
      failure = new Error(`the gateway process loaded ${strays.length} modules it must not: ${strays.slice(0, 5).join(', ')}`);
    else
      process.stdout.write(
        `  ok  the gateway process loaded ${loaded.length} modules, none of subgraphs, Prisma, PGlite, pg or type-graphql\n`,
      );
  }
  await withAdmin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  fs.rmSync(models, { recursive: true, force: true });
  if (slow.length > 0) failure ??= new Error(`did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM: ${slow.join(', ')}`);
  if (failure) {
    for (const { name, output } of children) process.stderr.write(`--- ${name} (last lines)\n${output.slice(-15).join('\n')}\n`);
    fail(failure.message);
  }
  process.stdout.write(`  ok  every service stopped within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM\n`);
}

main().catch(async (error) => {
  await stopAll();
  fail(error.stack ?? String(error));
});
