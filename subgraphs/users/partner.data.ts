/** Data access for partners and their keys (Prisma, schema "users"). */
import crypto from 'node:crypto';
import { Prisma } from '../../prisma/generated/client';
import type { Partner as PartnerRow, PartnerKey as PartnerKeyRow } from '../../prisma/generated/client';
import type { PrismaClient } from '../../prisma/database';
import { apiKeyMatches, apiKeyPrefix, newApiKey } from '../../platform/api-keys';
import { appError, badInput, ErrorCode, notFound } from '../../platform/errors';
import { IssuedPartnerKey, Partner, PartnerKey, PartnerKeyCheck, PartnerKeyStatus, type CreatePartnerInput } from './partner';

export const DEFAULT_REQUESTS_PER_MINUTE = 600;
export const DEFAULT_COST_BUDGET = 10_000;
const MAX_SETTING = 1_000_000;
/** A rotated key's grace period may not exceed this: an old key should not live on for months. */
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export function keyStatus(row: PartnerKeyRow, now = new Date()): PartnerKeyStatus {
  if (row.revokedAt) return PartnerKeyStatus.REVOKED;
  if (row.expiresAt) return row.expiresAt > now ? PartnerKeyStatus.ROTATED : PartnerKeyStatus.EXPIRED;
  return PartnerKeyStatus.ACTIVE;
}

const toKey = (row: PartnerKeyRow): PartnerKey =>
  Object.assign(new PartnerKey(), {
    id: row.id,
    prefix: row.prefix,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    status: keyStatus(row),
  });

const toPartner = (row: PartnerRow & { keys: PartnerKeyRow[] }): Partner =>
  Object.assign(new Partner(), {
    id: row.id,
    name: row.name,
    userId: row.userId,
    requestsPerMinute: row.requestsPerMinute,
    costBudget: row.costBudget,
    createdAt: row.createdAt,
    keys: [...row.keys].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map(toKey),
  });

const withKeys = { keys: true } as const;

function setting(field: string, value: number | null | undefined, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  if (value < 1 || value > MAX_SETTING) throw badInput(field, `must be between 1 and ${MAX_SETTING}, got ${value}`);
  return value;
}

export async function createPartner(prisma: PrismaClient, input: CreatePartnerInput): Promise<IssuedPartnerKey> {
  const name = input.name.trim();
  if (!NAME.test(name)) throw badInput('name', 'must be 1 to 64 letters, digits, spaces, dots, dashes or underscores');
  // Metrics label requests without a valid key partner="unknown".
  if (name.toLowerCase() === 'unknown') throw badInput('name', '"unknown" is reserved');
  const requestsPerMinute = setting('requestsPerMinute', input.requestsPerMinute, DEFAULT_REQUESTS_PER_MINUTE);
  const costBudget = setting('costBudget', input.costBudget, DEFAULT_COST_BUDGET);
  const issued = newApiKey();
  try {
    const partner = await prisma.$transaction(async (tx) => {
      const id = crypto.randomUUID();
      // The partner's service account: orders it places belong to it, so every customer rule applies.
      const user = await tx.user.create({ data: { name: `Partner ${name}`, email: `partner-${id}@partners.invalid` } });
      return tx.partner.create({
        data: {
          id,
          name,
          userId: user.id,
          requestsPerMinute,
          costBudget,
          keys: { create: { prefix: issued.prefix, hash: issued.hash } },
        },
        include: withKeys,
      });
    });
    return Object.assign(new IssuedPartnerKey(), { partner: toPartner(partner), key: toKey(partner.keys[0]), apiKey: issued.key });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      throw appError(ErrorCode.CONFLICT, `A partner named "${name}" already exists`, { field: 'name' });
    }
    throw error;
  }
}

export async function listPartners(prisma: PrismaClient): Promise<Partner[]> {
  const rows = await prisma.partner.findMany({ include: withKeys, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map(toPartner);
}

export async function revokeKey(prisma: PrismaClient, keyId: string): Promise<PartnerKey> {
  const row = await prisma.partnerKey.findUnique({ where: { id: keyId } });
  if (!row) throw notFound('PartnerKey', keyId);
  if (row.revokedAt) return toKey(row);
  return toKey(await prisma.partnerKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } }));
}

/** Issues a new key for the key's partner; the old one is accepted for `graceSeconds` more. */
export async function rotateKey(prisma: PrismaClient, keyId: string, graceSeconds: number): Promise<IssuedPartnerKey> {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw badInput('graceSeconds', `must be between 0 and ${MAX_GRACE_SECONDS}, got ${graceSeconds}`);
  }
  const issued = newApiKey();
  const partnerId = await prisma.$transaction(async (tx) => {
    const old = await tx.partnerKey.findUnique({ where: { id: keyId } });
    if (!old) throw notFound('PartnerKey', keyId);
    const status = keyStatus(old);
    if (status !== PartnerKeyStatus.ACTIVE) {
      throw appError(ErrorCode.INVALID_STATE_TRANSITION, `Key ${keyId} is ${status.toLowerCase()}; only an active key can be rotated`);
    }
    // Only an untouched key is changed: two rotations of one key at once cannot both win.
    const changed = await tx.partnerKey.updateMany({
      where: { id: keyId, expiresAt: null, revokedAt: null },
      data: { expiresAt: new Date(Date.now() + graceSeconds * 1000) },
    });
    if (changed.count !== 1) throw appError(ErrorCode.CONFLICT, `Key ${keyId} was changed meanwhile; list the keys and retry`);
    await tx.partnerKey.create({ data: { partnerId: old.partnerId, prefix: issued.prefix, hash: issued.hash } });
    return old.partnerId;
  });
  const partner = await prisma.partner.findUniqueOrThrow({ where: { id: partnerId }, include: withKeys });
  const key = partner.keys.find((row) => row.prefix === issued.prefix)!;
  return Object.assign(new IssuedPartnerKey(), { partner: toPartner(partner), key: toKey(key), apiKey: issued.key });
}

const check = (outcome: string, fields: Partial<PartnerKeyCheck> = {}): PartnerKeyCheck =>
  Object.assign(new PartnerKeyCheck(), {
    outcome,
    partnerId: null,
    partnerName: null,
    userId: null,
    requestsPerMinute: null,
    costBudget: null,
    expiresAt: null,
    ...fields,
  });

/**
 * What `key` identifies: one indexed lookup by prefix, then a constant-time hash comparison.
 * `keyId` is the accepted key's id (for the audit log's record of its use), never sent to the gateway.
 */
export async function checkKey(prisma: PrismaClient, key: string): Promise<{ check: PartnerKeyCheck; keyId?: string }> {
  const prefix = apiKeyPrefix(key);
  if (!prefix) return { check: check('unknown') };
  const row = await prisma.partnerKey.findUnique({ where: { prefix }, include: { partner: true } });
  if (!row || !apiKeyMatches(key, row.hash)) return { check: check('unknown') };
  const status = keyStatus(row);
  if (status === PartnerKeyStatus.REVOKED) return { check: check('revoked') };
  if (status === PartnerKeyStatus.EXPIRED) return { check: check('expired') };
  return {
    keyId: row.id,
    check: check('valid', {
      partnerId: row.partner.id,
      partnerName: row.partner.name,
      userId: row.partner.userId,
      requestsPerMinute: row.partner.requestsPerMinute,
      costBudget: row.partner.costBudget,
      expiresAt: row.expiresAt,
    }),
  };
}
