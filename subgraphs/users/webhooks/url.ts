/** Which webhook URLs a partner may register. */
import { badInput } from '../../../platform/errors';
import { checkDestination, DestinationRefused, DestinationUnresolved, systemResolve, type ResolveHost } from './destination';

/**
 * The URL, normalised, or a BAD_USER_INPUT error: https only when `httpsOnly` (production: the signature proves
 * who sent a request, not that nobody read it), http too elsewhere (tests listen on 127.0.0.1);
 * never other schemes, and never credentials in the URL (they would show in listings and logs).
 */
export function validateWebhookUrl(raw: string, { httpsOnly }: { httpsOnly: boolean }): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput('url', 'is not a URL');
  }
  const allowed = httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol))
    throw badInput('url', `must use ${httpsOnly ? 'https' : 'http or https'}, not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw badInput('url', 'must not contain credentials; the signature authenticates deliveries');
  if (url.hash) throw badInput('url', 'must not contain a fragment');
  if (raw.length > 2048) throw badInput('url', 'is longer than 2048 characters');
  return url.toString();
}

/**
 * Refuses (BAD_USER_INPUT) a valid URL whose host is, or resolves to, an address webhooks may not
 * reach (destination.ts), or does not resolve at all. Every delivery checks again.
 */
export async function checkWebhookDestination(
  url: string,
  { allowPrivate, resolve = systemResolve }: { allowPrivate: boolean; resolve?: ResolveHost },
): Promise<void> {
  // Nothing to refuse: no lookup either (tests register loopback receivers, often by name).
  if (allowPrivate) return;
  try {
    await checkDestination(new URL(url), { allowPrivate, resolve });
  } catch (error) {
    if (error instanceof DestinationRefused || error instanceof DestinationUnresolved)
      throw badInput('url', `is not allowed: ${error.message}`);
    throw error;
  }
}
