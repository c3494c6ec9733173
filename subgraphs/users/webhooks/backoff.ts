/**
 * When a failed webhook delivery is tried again: `initialDelayMs` after the first failure,
 * doubling after each further one, never more than `maxDelayMs`, spread by ±20% jitter so that
 * deliveries that failed together (a partner's outage) do not all come back at the same moment.
 */
import type { WebhookConfig } from '../../../platform/config';

export const JITTER = 0.2;

/**
 * Delay before the attempt after `failedAttempts` failures (1 = the first attempt failed).
 * `random` returns [0, 1), like Math.random; tests pass a seeded one.
 */
export function retryDelayMs(
  failedAttempts: number,
  config: Pick<WebhookConfig, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  // 2^30 is far past any cap; stopping there keeps the arithmetic finite for absurd attempt counts.
  const exponent = Math.min(Math.max(failedAttempts, 1) - 1, 30);
  const base = Math.min(config.initialDelayMs * 2 ** exponent, config.maxDelayMs);
  const jittered = base * (1 - JITTER + 2 * JITTER * random());
  return Math.max(1, Math.round(Math.min(jittered, config.maxDelayMs)));
}
