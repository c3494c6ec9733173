/**
 * Tracing with OpenTelemetry, configured by the standard `OTEL_*` variables (the names and meanings
 * of the OpenTelemetry SDK's environment specification) plus the gateway's policy for a client's
 * `traceparent`. No endpoint: no SDK is loaded at all (platform/telemetry).
 */
import { z } from 'zod';
import { declareOptions, option, OptionError } from '../option';

/** The samplers of the specification's OTEL_TRACES_SAMPLER that need no extra package. */
export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSamplerName = (typeof TRACE_SAMPLERS)[number];

/** What the gateway does with a `traceparent` a client sent (internal callers' are always followed). */
export const CLIENT_TRACE_POLICIES = ['ignore', 'link', 'trust'] as const;
export type ClientTracePolicy = (typeof CLIENT_TRACE_POLICIES)[number];

function parseRatio(text: string): number {
  const value = Number(text);
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text) || value > 1) throw new OptionError(`must be a number from 0 to 1, got "${text}"`);
  return value;
}

/** `key=value,key=value` (W3C Baggage's octets: values may be percent-encoded), as OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS are written. */
export function parseKeyValueList(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new OptionError(`must be a list of key=value pairs, got "${part.trim()}"`);
    try {
      pairs[decodeURIComponent(part.slice(0, at).trim())] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      throw new OptionError(`has a badly percent-encoded pair "${part.trim()}"`);
    }
  }
  return pairs;
}

const keyValues = (description: string, secret = false) =>
  option.custom('key=value list', z.record(z.string(), z.string()), parseKeyValueList, { description, secret });

export const telemetryOptions = declareOptions('Tracing (OpenTelemetry)', {
  OTEL_EXPORTER_OTLP_ENDPOINT: option.string({
    defaultText: 'unset → no tracing',
    description:
      'Base URL of an OTLP/HTTP receiver (a collector, Jaeger, Tempo); spans go to `<it>/v1/traces` as OTLP JSON. Unset (and no traces endpoint): the OpenTelemetry SDK is not even loaded.',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: option.string({
    defaultText: 'unset → `OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`',
    description: 'The full URL spans are posted to; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.',
  }),
  OTEL_EXPORTER_OTLP_HEADERS: keyValues("Headers sent with every export (`api-key=…,tenant=…`), e.g. a vendor's credentials.", true),
  OTEL_SDK_DISABLED: option.switch({ default: false, description: '`true` turns tracing off whatever the endpoint says.' }),
  OTEL_SERVICE_NAME: option.string({
    defaultText: "each service's own name (`gateway`, `products`, …, `inference`)",
    description:
      '`service.name` of a process that runs one service. The embedded default (`npm start`) runs seven, each named by its own name, and does not use it.',
  }),
  OTEL_RESOURCE_ATTRIBUTES: keyValues(
    'More resource attributes for every span (`deployment.environment.name=staging,service.namespace=shop`).',
  ),
  OTEL_TRACES_SAMPLER: option.oneOf(TRACE_SAMPLERS, {
    default: 'parentbased_always_on',
    description:
      'Which operations are traced: `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG=0.01` keeps 1% of client operations, and every span of a kept one in every service.',
  }),
  OTEL_TRACES_SAMPLER_ARG: option.custom('number 0–1', z.number().min(0).max(1), parseRatio, {
    default: 1,
    description: 'The share of traces the `…traceidratio` samplers keep.',
  }),
  GATEWAY_CLIENT_TRACEPARENT: option.oneOf(CLIENT_TRACE_POLICIES, {
    default: 'link',
    description:
      "A client's `traceparent` at the gateway (docs/tracing.md): `link` starts a new trace that links to the client's span; `ignore` starts a new trace; `trust` continues the client's trace, its sampling decision included (only behind a caller you trust).",
  }),
});
