/**
 * A Prometheus configuration for a platform whose /metrics endpoints are known: one job per
 * service (`job` = the service's name, what the rules and dashboards expect) and the platform's
 * rules. `npm start` writes one for the embedded platform; the tests start a real Prometheus with
 * one.
 */
import { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/services';

export interface ScrapeJob {
  /** The `job` label. */
  job: string;
  /** host:port of the /metrics endpoint. */
  target: string;
  /** Keep only series whose names match (a regular expression); `up` is recorded whatever this says. */
  keep?: string;
}

export interface PrometheusConfig {
  global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: object[];
}

/** How often Prometheus scrapes and evaluates, and how long a scrape may take (never longer than the interval). */
export interface ScrapeTiming {
  interval: string;
  timeout: string;
}

/** Prometheus's own defaults, within what the rules expect (docs/operations.md, "The job label"). */
const DEFAULT_TIMING: ScrapeTiming = { interval: '15s', timeout: '10s' };

export function prometheusConfig(jobs: readonly ScrapeJob[], ruleFiles: readonly string[], timing = DEFAULT_TIMING): PrometheusConfig {
  return {
    global: { scrape_interval: timing.interval, scrape_timeout: timing.timeout, evaluation_interval: timing.interval },
    rule_files: [...ruleFiles],
    scrape_configs: jobs.map(({ job, target, keep }) => ({
      job_name: job,
      static_configs: [{ targets: [target] }],
      ...(keep ? { metric_relabel_configs: [{ source_labels: ['__name__'], regex: keep, action: 'keep' }] } : {}),
    })),
  };
}

/** What a service process adds beside the platform's own series. */
const PROCESS_SERIES = 'process_.*';

/**
 * The jobs of the embedded platform (every service in one process, one registry): every endpoint
 * serves the same series, so the gateway's job keeps them all and every other job only `up` and
 * its process metrics, and nothing is counted twice (docs/operations.md, "The job label").
 */
export function embeddedScrapeJobs(endpoints: {
  gatewayMetrics: string;
  subgraphs: Record<SubgraphName, { url: string }>;
  inference?: string;
}): ScrapeJob[] {
  const hostOf = (url: string) => new URL(url).host;
  return [
    { job: 'gateway', target: hostOf(endpoints.gatewayMetrics) },
    ...SUBGRAPH_NAMES.map((name) => ({ job: name, target: hostOf(endpoints.subgraphs[name].url), keep: PROCESS_SERIES })),
    ...(endpoints.inference ? [{ job: 'inference', target: hostOf(endpoints.inference), keep: PROCESS_SERIES }] : []),
  ];
}
