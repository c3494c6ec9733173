/** Data access of the users subgraph (Prisma, schema "users"). */
import type { PrismaClient } from '../../prisma/database';
import { decodeCursor, type CursorKey } from '../kit/pagination';

export const findUsersByIds = (prisma: PrismaClient, ids: string[]) => prisma.user.findMany({ where: { id: { in: ids } } });

/** Users in id order, after the cursor's id. */
export function listUsers(prisma: PrismaClient, take: number, after?: string | null) {
  const afterId = after ? String(decodeCursor(after)[0]) : undefined;
  return prisma.user.findMany({
    where: afterId ? { id: { gt: afterId } } : {},
    orderBy: { id: 'asc' },
    take,
  });
}

export const userCursor = (user: { id: string }): CursorKey => [user.id];
