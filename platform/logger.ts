/** The one logger (pino). Services take a child with their name so every line says where it came from. */
import pino from 'pino';
import { processOptions } from './config/options/process';
import { openReading, readFeature } from './config/read';
import { traceLogOptions } from './telemetry/log-fields';

export type Logger = pino.Logger;

// Read before any service's configuration, so only this feature's options (CONFIG_FILE included, leniently).
const { LOG_LEVEL: configuredLevel, NODE_ENV } = readFeature(
  openReading(process.env, [processOptions], { strict: false }),
  processOptions,
).values;

export const rootLogger: Logger = pino({
  level: configuredLevel ?? (NODE_ENV === 'test' ? 'silent' : 'info'),
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
  // trace_id and span_id of the span the line was written in, when tracing is on.
  ...traceLogOptions,
});

export function serviceLogger(service: string): Logger {
  return rootLogger.child({ service });
}

/** Command-line tools log warnings and errors only, unless LOG_LEVEL says otherwise. */
export function quietUnlessConfigured(): void {
  if (configuredLevel === undefined) rootLogger.level = 'warn';
}
