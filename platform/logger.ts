/** The one logger (pino). Services take a child with their name so every line says where it came from. */
import pino from 'pino';

export type Logger = pino.Logger;

const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

export const rootLogger: Logger = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });

export function serviceLogger(service: string): Logger {
  return rootLogger.child({ service });
}
