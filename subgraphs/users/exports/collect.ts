/**
 * Where each part of an export comes from. The users part is read here; every other subgraph gives
 * its own through its internal `<subgraph>PersonalData` field, called with service claims like any
 * service-to-service call (subgraphs/kit/service-client.ts): no subgraph reads another's tables.
 * What comes back is checked against the published format (platform/privacy-export.ts) before it
 * is kept.
 */
import type { PrismaClient } from '../../../prisma/database';
import { parsePart, type ExportPartName, type UsersPart } from '../../../platform/privacy-export';
import type { SubgraphName } from '../../../platform/services';
import type { Viewer } from '../../../platform/viewer';
import type { ServiceClient } from '../../kit/service-client';

/** Gives one part of the subject's export, or rejects (retried in a later round). */
export type PartCollector = (subjectId: string, signal: AbortSignal) => Promise<unknown>;

/** The subject does not exist (any more): no later round can succeed, so the export fails at once. */
export class SubjectGone extends Error {}

const SERVICE: Viewer = { roles: ['service'] };

/** The users part: the profile, and the partners whose service account the user is (no key hashes, no webhook secrets). */
export async function usersPartOf(prisma: PrismaClient, subjectId: string): Promise<UsersPart> {
  const user = await prisma.user.findUnique({ where: { id: subjectId } });
  if (!user) throw new SubjectGone(`user ${subjectId} does not exist`);
  const partners = await prisma.partner.findMany({
    where: { userId: subjectId },
    include: {
      keys: { select: { id: true, prefix: true, createdAt: true, expiresAt: true, revokedAt: true }, orderBy: { createdAt: 'asc' } },
      webhook: { select: { url: true } },
    },
    orderBy: { createdAt: 'asc' },
  });
  return {
    subgraph: 'users',
    profile: { id: user.id, name: user.name, email: user.email, segment: user.segment, createdAt: user.createdAt.toISOString() },
    partners: partners.map((partner) => ({
      id: partner.id,
      name: partner.name,
      createdAt: partner.createdAt.toISOString(),
      requestsPerMinute: partner.requestsPerMinute,
      costBudget: partner.costBudget,
      keys: partner.keys.map((key) => ({
        id: key.id,
        prefix: key.prefix,
        createdAt: key.createdAt.toISOString(),
        expiresAt: key.expiresAt?.toISOString() ?? null,
        revokedAt: key.revokedAt?.toISOString() ?? null,
      })),
      webhookUrl: partner.webhook?.url ?? null,
    })),
  };
}

/** The internal field each other subgraph answers its part on. */
const FIELDS: Record<Exclude<ExportPartName, 'users'>, string> = {
  orders: 'ordersPersonalData',
  payments: 'paymentsPersonalData',
  recommendations: 'recommendationsPersonalData',
  products: 'productsPersonalData',
};

function remotePart(services: ServiceClient, subgraph: SubgraphName & keyof typeof FIELDS, timeoutMs: number): PartCollector {
  const field = FIELDS[subgraph];
  const query = `query PersonalData($userId: ID!) { ${field}(userId: $userId) }`;
  return async (subjectId, signal) => {
    const data = await services.request<Record<string, string>>(subgraph, query, { userId: subjectId }, SERVICE, { timeoutMs, signal });
    return JSON.parse(data[field]) as unknown;
  };
}

export function partCollectors(prisma: PrismaClient, services: ServiceClient, timeoutMs: number): Record<ExportPartName, PartCollector> {
  return {
    users: (subjectId) => usersPartOf(prisma, subjectId),
    orders: remotePart(services, 'orders', timeoutMs),
    payments: remotePart(services, 'payments', timeoutMs),
    recommendations: remotePart(services, 'recommendations', timeoutMs),
    products: remotePart(services, 'products', timeoutMs),
  };
}

/** Collects and checks one part: resolves with its JSON text as it will stand in the archive. */
export async function collectPart(
  collectors: Record<ExportPartName, PartCollector>,
  name: ExportPartName,
  subjectId: string,
  signal: AbortSignal,
) {
  return JSON.stringify(parsePart(name, await collectors[name](subjectId, signal)));
}
