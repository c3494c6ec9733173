/**
 * One subgraph's part of an erasure (docs/privacy.md#erasure), done the one way every part is:
 * `user.erased` handled once (the schema's ProcessedEvent), the id recorded as erased under the
 * user's lock before anything else (./erased-users.ts), the part's own deletes and
 * pseudonymisation, and its `user.erasure_completed` report with the counts, all in one
 * transaction. What lives outside the database (`afterCommit`) runs after it and must be safe to
 * repeat: a failure there fails the handler, and the redelivery repeats only that.
 */
import type { SubgraphDeps } from './definition';
import { recordErasedUser, type ErasedUsersSchema } from './erased-users';
import { emitThrough, processOnce, type Tx } from './events';
import type { UserErased, UserErasureCompleted } from './events/types';

export interface ErasureWork {
  /** The part's own work in the database; resolves with what it deleted and pseudonymised. */
  inTransaction(tx: Tx, erased: UserErased): Promise<UserErasureCompleted['counts']>;
  afterCommit?(erased: UserErased): Promise<void>;
}

export function consumeErasurePart({ bus, prisma }: SubgraphDeps, schema: ErasedUsersSchema, part: ErasureWork): () => void {
  const consumer = `${schema}-erasure`;
  return bus.subscribe('user.erased', consumer, async (event) => {
    const erased = event.payload;
    await processOnce(prisma, schema, consumer, event, async (tx) => {
      await recordErasedUser(tx, schema, erased.userId);
      const counts = await part.inTransaction(tx, erased);
      await emitThrough(tx, schema)('user.erasure_completed', { erasureId: erased.erasureId, subgraph: schema, counts });
    });
    await part.afterCommit?.(erased);
  });
}
