/**
 * Prisma's own instrumentation: each operation and the statements it sends become spans, with the
 * pg and the PGlite driver adapters alike. Loaded by ./sdk.ts only in a process that has a database.
 */
import type { TracerProvider } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { PrismaInstrumentation } from '@prisma/instrumentation';

/** Starts tracing Prisma's work into `provider`; the function returned stops it. */
export function instrumentPrisma(provider: TracerProvider): () => void {
  return registerInstrumentations({ tracerProvider: provider, instrumentations: [new PrismaInstrumentation()] });
}
