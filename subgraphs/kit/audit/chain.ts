/**
 * The hash chain of the audit log: each record's hash covers its own fields and the previous
 * record's hash, so editing a record changes its hash and deleting one leaves the next record's
 * `prevHash` (and `seq`) pointing at nothing. The fields are hashed as canonical JSON (fixed key
 * order, timestamps as ISO strings, `seq` as a decimal string) so any language can recompute it.
 */
import crypto from 'node:crypto';

/** The `prevHash` of the first record ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller records: who, what, on what, from where, with what outcome. */
export interface AuditEntry {
  action: string;
  actorId?: string | null;
  actorRoles?: readonly string[];
  subjectId?: string | null;
  /** The GraphQL field (`Mutation.createPartner`), or what else names the action's target. */
  detail?: string | null;
  origin: string;
  /** `ok`, `denied` or `error:<CODE>`. */
  outcome: string;
}

/** A stored record (the AuditRecord row). */
export interface AuditRow {
  seq: bigint;
  at: Date;
  actorId: string | null;
  actorRoles: string[];
  action: string;
  detail: string | null;
  subjectId: string | null;
  origin: string;
  outcome: string;
  prevHash: string;
  hash: string;
}

/** The hash a record must carry: sha256 over the canonical JSON of every field but `hash` itself. */
export function recordHash(row: Omit<AuditRow, 'hash'>): string {
  const canonical = JSON.stringify([
    row.seq.toString(),
    row.at.toISOString(),
    row.actorId,
    [...row.actorRoles].sort(),
    row.action,
    row.detail,
    row.subjectId,
    row.origin,
    row.outcome,
    row.prevHash,
  ]);
  return crypto.hash('sha256', canonical, 'hex');
}

/** The `detail` of an `audit.pruned` checkpoint: the last pruned record, which the first kept record's `prevHash` names. */
export const prunedDetail = (seq: bigint, hash: string): string => `${seq}:${hash}`;
