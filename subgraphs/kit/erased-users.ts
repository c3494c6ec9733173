/**
 * Closes the window between an erasure and a write already under way (docs/privacy.md#erasure).
 * The gateway refuses an erased user's token, but a request that passed it a moment before (or a
 * direct call with signed claims) may still reach a subgraph after that subgraph did its part of
 * the erasure. So each subgraph that writes rows keyed by a user id keeps the ids it erased in its
 * own "ErasedUser" table, and the write and the erasure consumer take the same per-user,
 * transaction-scoped advisory lock: a write that holds it commits before the erasure's
 * transaction starts its work (whose updates and deletes then see the row), and a write that
 * comes after waits, finds the id and is refused. Other users never wait on each other.
 *
 * The lock is taken in a statement of its own before the lookup: under READ COMMITTED a statement
 * sees what committed before it began, so a lookup in the statement that waited for the lock
 * would miss the erasure it waited for.
 */
import { GraphQLError } from 'graphql';
import { Prisma } from '../../prisma/generated/client';
import { appError, ErrorCode } from '../../platform/errors';
import type { Tx } from './events';

/** Schemas with an "ErasedUser" table: the subgraphs that write rows keyed by a user id. */
export type ErasedUsersSchema = 'orders' | 'payments' | 'recommendations';

const SUBJECT_ERASED = 'SUBJECT_ERASED';

/** What a write under an erased user is told; worded like the gateway's refusal of their token. */
export const USER_ERASED = 'The account this request names was erased; nothing more is recorded under it';

/** The lock of one user in one schema (two int4 keys: the schema's and the user's). */
async function lockUser(tx: Tx, schema: ErasedUsersSchema, userId: string): Promise<void> {
  await tx.$queryRaw(Prisma.sql`SELECT 1 AS "locked" FROM pg_advisory_xact_lock(hashtext(${`${schema}.user`}), hashtext(${userId}))`);
}

/**
 * In a write's transaction: waits for an erasure of the user that this schema is doing now, and
 * answers whether the user is erased. The lock stays held until the transaction ends, so an
 * erasure arriving meanwhile waits for the write and then finds its rows. For event consumers,
 * which skip an erased user's event rather than fail.
 */
export async function isErasedUser(tx: Tx, schema: ErasedUsersSchema, userId: string): Promise<boolean> {
  await lockUser(tx, schema, userId);
  const rows = await tx.$queryRaw<unknown[]>(
    Prisma.sql`SELECT 1 AS "erased" FROM ${Prisma.raw(`"${schema}"."ErasedUser"`)} WHERE "userId" = ${userId}`,
  );
  return rows.length > 0;
}

/** In a write's transaction, before it writes: refuses an erased user with UNAUTHENTICATED (see isErasedUser). */
export async function refuseErasedUser(tx: Tx, schema: ErasedUsersSchema, userId: string): Promise<void> {
  if (await isErasedUser(tx, schema, userId)) throw appError(ErrorCode.UNAUTHENTICATED, USER_ERASED, { reason: SUBJECT_ERASED });
}

/** Whether `error` is refuseErasedUser's refusal (a caller undoing what it did outside the transaction). */
export const isErasedUserRefusal = (error: unknown): boolean => error instanceof GraphQLError && error.extensions.reason === SUBJECT_ERASED;

/**
 * In the erasure consumer's transaction, before its updates and deletes: takes the user's lock
 * (a write under way commits first, so what follows sees its rows) and records the id, so every
 * later write is refused. Safe to repeat.
 */
export async function recordErasedUser(tx: Tx, schema: ErasedUsersSchema, userId: string): Promise<void> {
  await lockUser(tx, schema, userId);
  await tx.$executeRaw(
    Prisma.sql`INSERT INTO ${Prisma.raw(`"${schema}"."ErasedUser"`)} ("userId") VALUES (${userId}) ON CONFLICT DO NOTHING`,
  );
}
