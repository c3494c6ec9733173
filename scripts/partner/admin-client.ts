/**
 * The partner CLI reaches partners through the running platform's GraphQL API as an admin, never
 * through the database: on the embedded default only the platform process may open PGlite, and
 * the same path then works against PostgreSQL and in a cluster.
 */
import type { AdminRequest } from './command';

const REQUEST_TIMEOUT_MS = 10_000;

export function createAdminRequest(graphqlUrl: string, token: string): AdminRequest {
  return async <T>(query: string, variables: Record<string, unknown> = {}) => {
    let response: Response;
    try {
      response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new Error(`cannot reach the platform at ${graphqlUrl} (is it running?): ${(error as Error).message}`, { cause: error });
    }
    const body = (await response.json().catch(() => null)) as {
      data?: T;
      errors?: { message: string; extensions?: { code?: string } }[];
    } | null;
    const error = body?.errors?.[0];
    if (error) throw new Error(`${error.message}${error.extensions?.code ? ` (${error.extensions.code})` : ''}`);
    if (!response.ok || !body?.data) throw new Error(`the platform answered HTTP ${response.status}`);
    return body.data;
  };
}
