/** The audit log of privileged actions (subgraphs/kit/audit, docs/privacy.md#audit-log). */
import { declareOptions, option } from '../option';

export const auditOptions = declareOptions('Audit log', {
  AUDIT_RETENTION_DAYS: option.int({
    default: 400,
    description:
      'Days an audit record is kept before the sweeper prunes it (leaving a checkpoint that `npm run audit -- verify` accepts). 400: a year of look-back plus a month to investigate what a yearly review turns up.',
  }),
  AUDIT_SWEEP_MS: option.int({
    default: 3600_000,
    description: 'How often each users replica prunes audit records older than the retention period.',
  }),
});
