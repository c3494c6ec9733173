/**
 * The gateway's own questions to the users service (partner key checks, erased subjects): one
 * GraphQL POST signed as a service for the users audience, given up after `timeoutMs`. Callers
 * decide what a refusal or an unreadable answer means for them.
 */
import { claimsHeaders } from '../../../platform/forwarded-claims';

export interface UsersService {
  /** The users subgraph's GraphQL URL. */
  usersUrl: string;
  internalSecret: string;
  timeoutMs: number;
}

export interface UsersAnswer<Data> {
  data?: Data | null;
  errors?: { message: string }[];
}

const SERVICE_VIEWER = { roles: ['service' as const] };

export async function askUsersService<Data>(
  service: UsersService,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<UsersAnswer<Data>> {
  const body = JSON.stringify({ query, variables });
  const claims = await claimsHeaders(SERVICE_VIEWER, { secret: service.internalSecret, issuer: 'gateway', audience: 'users', body });
  const response = await fetch(service.usersUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers, ...claims },
    body,
    signal: AbortSignal.timeout(service.timeoutMs),
  });
  return (await response.json()) as UsersAnswer<Data>;
}
