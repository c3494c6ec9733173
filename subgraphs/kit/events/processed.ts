/**
 * Idempotent consumers. The bus delivers at least once (a relay may publish a row twice, Redis
 * redelivers an entry whose acknowledgement was lost), so a consumer records each event id it
 * handled in its schema's ProcessedEvent table, in the same transaction as the handler's effect:
 * a second delivery finds the record and changes nothing.
 */
import type { PrismaClient } from '../../../prisma/database';
import { eventsHandled } from '../../../platform/metrics';
import type { Tx } from './outbox';
import type { DomainEvent } from './types';

/** Schemas with a ProcessedEvent table: the subgraphs that consume events. */
export const PROCESSED_SCHEMAS = ['users', 'orders', 'payments', 'recommendations'] as const;
export type ProcessedSchema = (typeof PROCESSED_SCHEMAS)[number];

export function isProcessedSchema(schema: string): schema is ProcessedSchema {
  return (PROCESSED_SCHEMAS as readonly string[]).includes(schema);
}

/**
 * Runs `effect` for `event` unless `consumer` already handled it; the record and the effect
 * commit together. Resolves true when the effect ran, false for a duplicate. Effects outside the
 * database (cache invalidation, notifications) belong after it and must be safe to repeat.
 */
export async function processOnce(
  prisma: PrismaClient,
  schema: ProcessedSchema,
  consumer: string,
  event: DomainEvent,
  effect: (tx: Tx) => Promise<unknown>,
): Promise<boolean> {
  const fresh = await prisma.$transaction(async (tx) => {
    const inserted = await tx.$executeRawUnsafe(
      `INSERT INTO "${schema}"."ProcessedEvent" ("consumer", "eventId") VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      consumer,
      event.id,
    );
    if (inserted === 0) return false;
    await effect(tx);
    return true;
  });
  eventsHandled.inc({ consumer, type: event.type, outcome: fresh ? 'processed' : 'duplicate' });
  return fresh;
}
