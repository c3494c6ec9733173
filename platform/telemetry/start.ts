/**
 * Starts tracing for a process, or does nothing at all: with no OTLP endpoint configured (or
 * OTEL_SDK_DISABLED) the OpenTelemetry SDK is never loaded, and every instrumented place in the
 * platform sees only @opentelemetry/api's no-op (or skips it, ./state.ts).
 */
import type { TelemetryConfig } from '../config';
import type { ServiceTracing } from './service-tracing';

/** The process's tracing, held by whoever started it (an entry script, the embedded platform). */
export interface Telemetry {
  /** The tracer whose spans carry `service`'s name (OTEL_SERVICE_NAME instead, in a one-service process that sets it). */
  forService(service: string): ServiceTracing;
  /** Exports every span ended so far; resolves once the receiver has answered. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops tracing in this process (the API falls back to its no-op). */
  shutdown(): Promise<void>;
}

export interface TelemetryRole {
  /** One service per process (production): OTEL_SERVICE_NAME, when set, names it. Several (the embedded default): each keeps its own name. */
  singleService: boolean;
  /** The process queries a database through Prisma: its statements are traced. */
  database: boolean;
}

export async function startTelemetry(config: TelemetryConfig, role: TelemetryRole): Promise<Telemetry | undefined> {
  if (config.tracesUrl === undefined) return undefined;
  const { startSdk } = await import('./sdk.js');
  return startSdk({ ...config, tracesUrl: config.tracesUrl }, role);
}
