/**
 * The transactional outbox: a service writes its domain events as rows of its own schema's
 * OutboxEvent table, in the same database transaction as the change they announce. Either both
 * commit or neither does, so an event is never lost when the bus is down and never announces a
 * change that was rolled back. The relay (relay.ts) publishes the rows afterwards.
 */
import crypto from 'node:crypto';
import type { PrismaClient } from '../../../prisma/database';
import { currentTraceparent } from '../../../platform/telemetry';
import type { Prisma } from '../../../prisma/generated/client';
import type { DomainEvent, EventPayloads, EventType } from './types';

/** Schemas with an OutboxEvent table: the subgraphs that publish events. */
export const OUTBOX_SCHEMAS = ['users', 'orders', 'payments', 'recommendations'] as const;
export type OutboxSchema = (typeof OUTBOX_SCHEMAS)[number];

export function isOutboxSchema(schema: string): schema is OutboxSchema {
  return (OUTBOX_SCHEMAS as readonly string[]).includes(schema);
}

/** The Prisma client inside `$transaction`; data functions take it so they can join one. */
export type Tx = Prisma.TransactionClient;

/** Writes one event into the transaction it is given; resolves with the event as consumers will see it. */
export type Emit = <T extends EventType>(type: T, payload: EventPayloads[T]) => Promise<DomainEvent<T>>;

export function newEvent<T extends EventType>(type: T, payload: EventPayloads[T]): DomainEvent<T> {
  const traceparent = currentTraceparent();
  return { id: crypto.randomUUID(), type, occurredAt: new Date().toISOString(), payload, ...(traceparent && { traceparent }) };
}

/** Inserts `event` into `schema`'s outbox through `tx` (the caller's transaction). */
export async function insertOutboxEvent(tx: Tx, schema: OutboxSchema, event: DomainEvent): Promise<void> {
  // The schema name comes from the closed list above, never from input.
  await tx.$executeRawUnsafe(
    `INSERT INTO "${schema}"."OutboxEvent" ("id", "type", "event") VALUES ($1, $2, $3::jsonb)`,
    event.id,
    event.type,
    JSON.stringify(event),
  );
}

/** Emits into `schema`'s outbox through a transaction the caller already holds (a consumer's processOnce). */
export function emitThrough(tx: Tx, schema: OutboxSchema): Emit {
  return async (type, payload) => {
    const event = newEvent(type, payload);
    await insertOutboxEvent(tx, schema, event);
    return event;
  };
}

export class Outbox {
  /**
   * @param schema the subgraph's Postgres schema
   * @param written called after a transaction that wrote events committed (wakes the local relay)
   */
  constructor(
    readonly schema: string,
    private readonly written: () => void = () => undefined,
  ) {}

  /**
   * Runs `work` in one database transaction; the events it emits commit or roll back with it.
   * Nothing here touches the event bus, so a bus outage cannot fail or slow the caller.
   */
  async transaction<R>(prisma: PrismaClient, work: (tx: Tx, emit: Emit) => Promise<R>): Promise<R> {
    const schema = this.schema;
    if (!isOutboxSchema(schema)) throw new Error(`The ${schema} subgraph has no outbox table; add it to OUTBOX_SCHEMAS and a migration`);
    let emitted = 0;
    const result = await prisma.$transaction((tx) =>
      work(tx, async (type, payload) => {
        const event = newEvent(type, payload);
        await insertOutboxEvent(tx, schema, event);
        emitted++;
        return event;
      }),
    );
    if (emitted > 0) this.written();
    return result;
  }
}
