/** The tamper-evident audit log of privileged actions (docs/privacy.md#audit-log). */
export { appendAudit, appendInTransaction, recordAudit, AUDIT_LOCK } from './append';
export { Audited, type AuditedOptions } from './audited';
export { GENESIS_HASH, recordHash, type AuditEntry, type AuditRow } from './chain';
export { adminDenialsAudit } from './denied';
export { recordKeyUse, utcDay } from './key-use';
export { listAudit, type AuditFilter } from './list';
export { originOf } from './origin';
export { pruneAudit, startAuditSweeper, type AuditSweeper } from './retention';
export { verifyChain, type ChainReport } from './verify';
