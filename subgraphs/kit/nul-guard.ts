/**
 * PostgreSQL (and PGlite) refuse a NUL byte in text with an error that would reach the client as
 * INTERNAL_SERVER_ERROR. No value of this API holds one, so any client string carrying one (an
 * id, a search term, an idempotency key, a representation) is refused as BAD_USER_INPUT before
 * any resolver runs. Cursors are base64 and are checked where they are decoded (pagination.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { badInput } from '../../platform/errors';

function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nulPath(item, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

function hasNulLiteral(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    [Kind.STRING]: (node) => {
      if (node.value.includes('\0')) found = true;
    },
  });
  return found;
}

export function nulGuard<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const variable = nulPath(request.variables ?? {}, 'variables');
          // A literal NUL reaches the text only escaped (\u0000) or raw: skip the walk for the usual query.
          const literal = request.query && /\\u0000|\0/.test(request.query) && hasNulLiteral(document);
          if (!variable && !literal) return;
          const error = badInput(variable ?? 'query', 'text may not contain a NUL character');
          // An answer, not a failure: the gateway passes a 200's errors on with their codes.
          error.extensions.http = { status: 200 };
          throw error;
        },
      };
    },
  };
}
