/** Personal data exports (subgraphs/users/exports, docs/privacy.md). */
import { declareOptions, option } from '../option';

export const dataExportOptions = declareOptions('Data export', {
  PRIVACY_EXPORT_TTL_HOURS: option.int({
    default: 24,
    max: 24 * 30,
    maxReason: 'a full copy of the data should not wait longer than the month a request may take to answer',
    description:
      'How long a ready export may be downloaded (once); then its archive is deleted and the export is `EXPIRED`. Short, because the archive is a second full copy of the customer data; requesting again is cheap.',
  }),
  PRIVACY_EXPORT_RETRY_INITIAL_MS: option.int({
    default: 5_000,
    description: 'Delay before collecting again the parts whose subgraph failed; it doubles (with jitter) after each failed round.',
  }),
  PRIVACY_EXPORT_RETRY_MAX_MS: option.int({ default: 300_000, description: 'Longest delay between collection rounds.' }),
  PRIVACY_EXPORT_RETRY_WINDOW_MS: option.int({
    default: 72 * 3600_000,
    description: 'How long after the request missing parts are retried; then the export is `FAILED` (and may be requested again).',
  }),
  PRIVACY_EXPORT_PART_TIMEOUT_MS: option.int({ default: 30_000, description: 'How long one subgraph may take to answer for its part.' }),
  PRIVACY_EXPORT_LEASE_MS: option.int({
    default: 300_000,
    description:
      "How long a worker's claim keeps other replicas off an export; more than PRIVACY_EXPORT_PART_TIMEOUT_MS (a round asks the subgraphs side by side).",
  }),
  PRIVACY_EXPORT_POLL_MS: option.int({ default: 1000, description: 'How often an idle export worker looks for exports to produce.' }),
});
