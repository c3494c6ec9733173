/** `npm start`: the whole platform on the embedded default (or on Postgres/Redis when configured). */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { signToken } from '../gateway/plugins/http/auth/token';
import { serviceLogger } from '../platform/logger';
import { closeOnSignals } from '../platform/shutdown';
import { startPlatform, type RunningPlatform } from './platform';
import { embeddedScrapeJobs, prometheusConfig } from '../observability/prometheus/scrape-config';
import { fromRoot } from '../platform/paths';

async function main() {
  const log = serviceLogger('start');
  const started = Date.now();
  const platform = await startPlatform();
  const { config } = platform;
  const devUser = config.devUserId;
  const token = await signToken(config.jwtSecret, { userId: devUser, roles: ['customer'] });
  const adminToken = await signToken(config.jwtSecret, { userId: devUser, roles: ['customer', 'admin'] });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const browserUrl = platform.gateway.url.replace('127.0.0.1', 'localhost');
  const prometheusFile = writePrometheusConfig(platform);
  process.stdout.write(
    [
      '',
      `  Platform ready in ${seconds}s (${platform.db.kind}${config.redisUrl ? ' + redis' : ', in-process events'})`,
      '',
      `  GraphQL API and IDE:  ${browserUrl}`,
      `  Live dashboard:       ${browserUrl.replace('/graphql', '/dashboard')}?user=${devUser}`,
      `  Health / metrics:     ${browserUrl.replace('/graphql', '/healthz')}  ${platform.gateway.metricsUrl.replace('127.0.0.1', 'localhost')}`,
      `  Prometheus:           prometheus --config.file=${prometheusFile}`,
      `                        (scrapes every service here, with the platform's alert and recording rules)`,
      `  Grafana:              add that Prometheus as a data source, import observability/grafana/dashboards/*.json`,
      `  Traces (OTLP):        ${config.telemetry.tracesUrl ?? 'off; set OTEL_EXPORTER_OTLP_ENDPOINT=http://<collector>:4318 (docs/tracing.md)'}`,
      '',
      `  Dev token for ${devUser} (send as "Authorization: Bearer <token>"):`,
      `  ${token}`,
      '',
      `  Dev admin token:`,
      `  ${adminToken}`,
      config.usingDevSecrets ? '\n  (development secrets in use: set JWT_SECRET and INTERNAL_SECRET for anything real)' : '',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  closeOnSignals(log, () => platform.close(), platform.config.shutdownTimeoutMs);
}

/** A Prometheus configuration for this platform's endpoints, in the data folder; returns its path. */
function writePrometheusConfig(platform: RunningPlatform): string {
  const jobs = embeddedScrapeJobs({
    gatewayMetrics: platform.gateway.metricsUrl,
    subgraphs: platform.subgraphs,
    inference: platform.inference?.url,
  });
  const file = path.resolve(platform.config.dataDir, 'prometheus.yml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const header = '# Written by `npm start` for the platform it started (docs/operations.md, "Alerts and dashboards").\n';
  fs.writeFileSync(file, header + YAML.stringify(prometheusConfig(jobs, [fromRoot('observability/prometheus/rules.yml')])));
  return file;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
