/**
 * Tracing off costs nothing: with no OTLP endpoint configured, the built platform (dist/, as
 * production runs it) serves operations without ever loading the OpenTelemetry trace SDK, its
 * exporter or Prisma's instrumentation, and the tracing API stays its no-op. (@apollo/gateway loads
 * OpenTelemetry's metrics SDK for its own usage reporting, which the gateway switches off.) Checked in a process of its
 * own, whose module cache is the evidence.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

const SCRIPT = `
require('reflect-metadata');
const { startPlatform } = require('./dist/scripts/platform.js');
(async () => {
  const platform = await startPlatform({
    ephemeralPorts: true,
    inMemory: true,
    inference: false,
    seed: { seed: 7, users: 20, products: 40, orders: 40 },
    config: { inferenceUrl: 'http://127.0.0.1:9', host: '127.0.0.1' },
  });
  const response = await fetch(platform.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    body: JSON.stringify({ query: '{ products(first: 2) { edges { node { id name } } } }' }),
  });
  const body = await response.json();
  const loaded = Object.keys(require.cache).filter((file) =>
    /@opentelemetry[\\\\/](sdk-trace|exporter-trace|context-async-hooks|instrumentation)|@prisma[\\\\/]instrumentation/.test(file),
  );
  const provider = require('@opentelemetry/api').trace.getTracerProvider().getDelegate().constructor.name;
  const telemetry = platform.telemetry === undefined ? 'none' : 'started';
  await platform.close();
  process.stdout.write(JSON.stringify({ products: body.data.products.edges.length, loaded, provider, telemetry }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('tracing off', () => {
  it('loads no SDK and registers nothing when no endpoint is configured', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/scripts/platform.js'))) throw new Error('dist/ is missing: build first (npm run build)');
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && name !== 'DATABASE_URL'));
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-e', SCRIPT],
        { cwd: ROOT, env: { ...env, NODE_ENV: 'test', REDIS_URL: '' }, timeout: 90_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    expect(JSON.parse(output)).toEqual({ products: 2, loaded: [], provider: 'NoopTracerProvider', telemetry: 'none' });
  }, 120_000);
});
