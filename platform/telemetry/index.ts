/**
 * Tracing (OpenTelemetry) for every service: off, and free, unless an OTLP endpoint is configured
 * (docs/tracing.md). Services import this module; it loads the SDK only when tracing starts.
 */
export { startTelemetry, type Telemetry, type TelemetryRole } from './start';
export type { ServiceTracing } from './service-tracing';
export { serverSpans, serverSpanStarter, type ServerSpans } from './server-span';
export { tracingOn } from './state';
export { FOLLOWS_LINK_SAMPLING } from './links';
export { clientSpan } from './client-span';
export { operationAttributesPlugin } from './operation-attributes';
export { currentTraceparent, linksTo } from './carrier';
export { unsampledTraceparent } from './untraced-call';
export { rpcServerSpan } from './rpc-span';
export { withinSpan } from './within-span';
export { inRecordedTrace, isKept } from './recorded-trace';
