/** Data access of the users subgraph (Prisma, schema "users"). */
import { Prisma, type User as UserRow } from '../../prisma/generated/client';
import { sqlReaderOf, type PrismaClient } from '../../prisma/database';
import { decodeCursor, type CursorKey } from '../kit/pagination';

/** Users by id, for every request's viewer (`me`) and references: a plain read (see SqlReader). */
export const findUsersByIds = (prisma: PrismaClient, ids: string[]) =>
  sqlReaderOf(prisma).query<UserRow>(
    Prisma.sql`SELECT "id", "name", "email", "segment"::text AS "segment", "createdAt" AT TIME ZONE 'UTC' AS "createdAt"
     FROM "users"."User" WHERE "id" = ANY(${ids})`,
  );

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
