import type { Tracer } from '@opentelemetry/api';

/**
 * One service's tracer: every span it starts carries that service's `service.name`. The embedded
 * default runs seven services in one process, and each still shows as itself in a trace.
 */
export interface ServiceTracing {
  readonly service: string;
  readonly tracer: Tracer;
}
