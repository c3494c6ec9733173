/**
 * What happens after a collection round that left parts missing (their subgraph down or failing):
 * another round after the webhook schedule's backoff (initial delay doubling to a cap, ±20% jitter,
 * ../webhooks/backoff.ts), as long as that round still starts within the retry window counted from
 * the request; otherwise the export fails. A long window by default (days): a subgraph that is down
 * for an afternoon delays an export, it does not lose it.
 */
import type { DataExportConfig } from '../../../platform/config';
import { retryDelayMs } from '../webhooks/backoff';

export type AfterFailedRound = { kind: 'retry'; at: Date } | { kind: 'fail' };

export function afterFailedRound(
  /** Rounds so far, this one included. */
  rounds: number,
  requestedAtMs: number,
  now: Date,
  config: Pick<DataExportConfig, 'initialDelayMs' | 'maxDelayMs' | 'retryWindowMs'>,
  random: () => number,
): AfterFailedRound {
  const at = now.getTime() + retryDelayMs(rounds, config, random);
  if (at > requestedAtMs + config.retryWindowMs) return { kind: 'fail' };
  return { kind: 'retry', at: new Date(at) };
}
