/** Tracing's configuration: the standard OTEL_* variables, read through the platform's one loader. */
import { loadConfig, TELEMETRY_DEFAULTS } from '../config';

describe('tracing configuration', () => {
  it('is off with nothing configured, sampling everything once on', () => {
    expect(loadConfig({}).telemetry).toEqual(TELEMETRY_DEFAULTS);
    expect(TELEMETRY_DEFAULTS).toEqual({
      tracesUrl: undefined,
      headers: {},
      serviceName: undefined,
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      clientTraceparent: 'link',
    });
  });

  it("posts to the base endpoint's /v1/traces, or to the traces endpoint as given", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry.tracesUrl).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/otlp/traces',
      }).telemetry.tracesUrl,
    ).toBe('http://tempo:4318/otlp/traces');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).telemetry.tracesUrl,
    ).toBeUndefined();
  });

  it('reads samplers, resource attributes and headers as the OpenTelemetry specification writes them', () => {
    const { telemetry } = loadConfig({
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging, service.namespace=shop%20one',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=secret',
      OTEL_SERVICE_NAME: 'edge',
      GATEWAY_CLIENT_TRACEPARENT: 'trust',
    });
    expect(telemetry).toMatchObject({
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.01,
      resourceAttributes: { 'deployment.environment.name': 'staging', 'service.namespace': 'shop one' },
      headers: { 'api-key': 'secret' },
      serviceName: 'edge',
      clientTraceparent: 'trust',
    });
  });

  it('names the variable when a value is not one it takes', () => {
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow('OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "1.5"');
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow('OTEL_TRACES_SAMPLER must be one of');
    expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign' })).toThrow(
      'OTEL_RESOURCE_ATTRIBUTES must be a list of key=value pairs',
    );
    expect(() => loadConfig({ GATEWAY_CLIENT_TRACEPARENT: 'always' })).toThrow(
      'GATEWAY_CLIENT_TRACEPARENT must be one of ignore, link, trust',
    );
  });
});
