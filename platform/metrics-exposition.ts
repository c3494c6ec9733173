/**
 * What /metrics answers: the one registry as Prometheus text (0.0.4) by default, or as
 * OpenMetrics 1.0 — the only format with exemplars — when the scraper's Accept header prefers it,
 * as Prometheus does once exemplar storage is on. Both are written from the same metrics.
 *
 * prom-client writes OpenMetrics only from a registry of that content type, and doing so renames
 * the counters it holds (it drops their `_total` for good, which would break every later text
 * scrape). So each OpenMetrics scrape writes through a registry of its own, made for that scrape,
 * holding a stand-in per metric that reads the real one: the renaming lands on the stand-ins.
 */
import { Registry, type OpenMetricsContentType } from 'prom-client';
import { registry } from './metrics';

export const PROMETHEUS_TEXT = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_TEXT = Registry.OPENMETRICS_CONTENT_TYPE;

export interface Exposition {
  contentType: string;
  body: string;
}

/** The quality the Accept header gives a media type (0 when it is not acceptable; no header accepts anything). */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = 0;
  let bestSpecificity = -1;
  for (const range of accept.split(',')) {
    const [mediaRange, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const specificity = mediaRange === type ? 2 : mediaRange === `${major}/*` ? 1 : mediaRange === '*/*' ? 0 : -1;
    if (specificity < 0 || specificity < bestSpecificity) continue;
    const q = params.find((param) => param.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    const weight = Number.isFinite(value) ? value : 0;
    best = specificity > bestSpecificity ? weight : Math.max(best, weight);
    bestSpecificity = specificity;
  }
  return best;
}

/** True when the scraper asks for OpenMetrics over Prometheus text; a tie, or no preference, keeps the text format. */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  const openMetrics = quality(accept, 'application/openmetrics-text');
  return openMetrics > 0 && openMetrics > quality(accept, 'text/plain');
}

interface Readable {
  name: string;
  type: string;
  get(): Promise<{ name: string }>;
  getForPromString?(): Promise<{ name: string }>;
}

/** Every metric of the registry in OpenMetrics, exemplars included. */
async function openMetrics(): Promise<string> {
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const metric of registry.getMetricsAsArray() as unknown as Readable[]) {
    // Histograms keep their labels apart from `le` only in getForPromString, which is what a registry writes from.
    const read = metric.getForPromString ? () => metric.getForPromString!() : () => metric.get();
    const standIn = {
      name: metric.name,
      type: metric.type,
      get: async () => ({ ...(await read()), name: standIn.name }),
    };
    view.registerMetric(standIn as never);
  }
  return view.metrics();
}

export async function exposition(accept: string | undefined): Promise<Exposition> {
  if (prefersOpenMetrics(accept)) return { contentType: OPENMETRICS_TEXT, body: await openMetrics() };
  return { contentType: registry.contentType, body: await registry.metrics() };
}
