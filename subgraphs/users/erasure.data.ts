/** Data access of erasures (Prisma, schema "users"): the request, its parts, the erased subjects. */
import crypto from 'node:crypto';
import { Prisma } from '../../prisma/generated/client';
import type { Erasure as ErasureRow, ErasurePart as ErasurePartRow } from '../../prisma/generated/client';
import type { PrismaClient } from '../../prisma/database';
import { appError, ErrorCode, notFound } from '../../platform/errors';
import type { Outbox, Tx } from '../kit/events';
import type { UserErasureCompleted } from '../kit/events/types';
import { Erasure, ErasedSubject, ErasurePart, ErasureStatus } from './erasure';

/**
 * The subgraphs that hold something about a user and report their part. Products holds nothing per
 * user (a StockReservation names its order's idempotency key and items, not the buyer).
 */
export const ERASURE_SUBGRAPHS = ['users', 'orders', 'payments', 'recommendations'] as const;

/** The most erased subjects one poll returns; a gateway that is further behind asks again from the last. */
export const ERASED_SUBJECTS_PAGE = 1000;

type ErasureWithParts = ErasureRow & { parts: ErasurePartRow[] };

const withParts = { parts: { orderBy: { subgraph: 'asc' } } } as const;

export function toErasure(row: ErasureWithParts): Erasure {
  return Object.assign(new Erasure(), {
    id: row.id,
    subjectId: row.subjectId,
    status: row.completedAt ? ErasureStatus.COMPLETED : ErasureStatus.PENDING,
    requestedAt: row.requestedAt,
    completedAt: row.completedAt,
    parts: row.parts.map((part) =>
      Object.assign(new ErasurePart(), {
        subgraph: part.subgraph,
        completedAt: part.completedAt,
        deleted: part.deleted,
        pseudonymised: part.pseudonymised,
      }),
    ),
  });
}

export async function findErasure(prisma: PrismaClient, id: string): Promise<ErasureWithParts | null> {
  return prisma.erasure.findUnique({ where: { id }, include: withParts });
}

const findErasureOf = (prisma: PrismaClient | Tx, subjectId: string) =>
  prisma.erasure.findUnique({ where: { subjectId }, include: withParts });

/**
 * Erases `userId`, or returns the erasure already made for them. One transaction records the
 * request, its parts, the erased subject, deletes the account and writes user.erased to the users
 * outbox, so either all of it happened or none did. `created` says whether this call erased.
 */
export async function requestErasure(
  prisma: PrismaClient,
  outbox: Outbox,
  userId: string,
  requestedBy: string,
): Promise<{ erasure: ErasureWithParts; created: boolean }> {
  const existing = await findErasureOf(prisma, userId);
  if (existing) return { erasure: existing, created: false };
  const partner = await prisma.partner.findUnique({ where: { userId }, select: { name: true } });
  if (partner) {
    // A partner's orders belong to its service account: erasing it would orphan a live partner.
    throw appError(
      ErrorCode.CONFLICT,
      `User ${userId} is the service account of partner ${partner.name}; a partner's account is not a person's and cannot be erased while the partner exists`,
      { reason: 'PARTNER_SERVICE_ACCOUNT' },
    );
  }
  try {
    const erasure = await outbox.transaction(prisma, async (tx, emit) => {
      const { count: users } = await tx.user.deleteMany({ where: { id: userId } });
      if (users === 0) throw notFound('User', userId);
      // Exports about the user are copies of their data: pending ones must not be produced, ready ones not downloaded.
      const { count: dataExports } = await tx.dataExport.deleteMany({ where: { subjectId: userId } });
      const count = users + dataExports;
      const id = crypto.randomUUID();
      const now = new Date();
      await tx.erasure.create({
        data: {
          id,
          subjectId: userId,
          requestedBy,
          requestedAt: now,
          parts: {
            create: ERASURE_SUBGRAPHS.map((subgraph) =>
              subgraph === 'users' ? { subgraph, completedAt: now, deleted: count } : { subgraph },
            ),
          },
        },
      });
      await tx.erasedSubject.create({ data: { userId, erasedAt: now } });
      // Random, never derived from the id: only this event (pruned with the outbox) links the two.
      const pseudonym = `erased:${crypto.randomUUID()}`;
      await emit('user.erased', { erasureId: id, userId, pseudonym, erasedAt: now.toISOString() });
      return tx.erasure.findUniqueOrThrow({ where: { id }, include: withParts });
    });
    return { erasure, created: true };
  } catch (error) {
    // A concurrent request for the same user committed first: its erasure is the answer.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await findErasureOf(prisma, userId);
      if (winner) return { erasure: winner, created: false };
    }
    throw error;
  }
}

/**
 * Marks a subgraph's part done with its counts (a repeat changes nothing: the first report's
 * counts stand) and completes the erasure when no part is left. Returns what changed.
 */
export async function completePart(tx: Tx, report: UserErasureCompleted): Promise<{ part: boolean; erasure: boolean }> {
  const now = new Date();
  const { count } = await tx.erasurePart.updateMany({
    where: { erasureId: report.erasureId, subgraph: report.subgraph, completedAt: null },
    data: { completedAt: now, deleted: report.counts.deleted, pseudonymised: report.counts.pseudonymised },
  });
  if (count === 0) return { part: false, erasure: false };
  const pending = await tx.erasurePart.count({ where: { erasureId: report.erasureId, completedAt: null } });
  if (pending > 0) return { part: true, erasure: false };
  const done = await tx.erasure.updateMany({ where: { id: report.erasureId, completedAt: null }, data: { completedAt: now } });
  return { part: true, erasure: done.count > 0 };
}

/** Subjects erased at or after `since`, oldest first, at most ERASED_SUBJECTS_PAGE. */
export async function erasedSubjectsSince(prisma: PrismaClient, since: Date | null): Promise<ErasedSubject[]> {
  const rows = await prisma.erasedSubject.findMany({
    where: since ? { erasedAt: { gte: since } } : {},
    orderBy: [{ erasedAt: 'asc' }, { userId: 'asc' }],
    take: ERASED_SUBJECTS_PAGE,
  });
  return rows.map((row) => Object.assign(new ErasedSubject(), { userId: row.userId, erasedAt: row.erasedAt }));
}
