/**
 * PostgreSQL (and PGlite) refuse a NUL byte in text with an error that would reach the client as
 * INTERNAL_SERVER_ERROR. No value of this API holds one, so any client string carrying one (an
 * id, a search term, an idempotency key, a representation) is refused as BAD_USER_INPUT before
 * any resolver runs. Cursors are base64 and are checked where they are decoded (pagination.ts).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, visit, type DocumentNode } from 'graphql';
import { badInput } from '../../platform/errors';

/** Where in a variable's value a string holds a NUL ("search", "input.idempotencyKey"), if anywhere. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = nulPath(item, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}

/** Names a variable's path by the argument it is passed to, as the resolvers' own checks do ($s → search). */
function asArgument(document: DocumentNode, variablePath: string): string {
  const [variable, ...rest] = variablePath.split('.');
  let argumentName: string | undefined;
  visit(document, {
    [Kind.ARGUMENT]: (argument) => {
      visit(argument.value, {
        [Kind.VARIABLE]: (node) => {
          if (node.name.value === variable) argumentName ??= argument.name.value;
        },
      });
    },
  });
  return [argumentName ?? variable, ...rest].join('.');
}

/** The argument whose inline value holds a NUL, if any. */
function nulArgument(document: DocumentNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    [Kind.ARGUMENT]: (argument) => {
      visit(argument.value, {
        [Kind.STRING]: (node) => {
          if (node.value.includes('\0')) found ??= argument.name.value;
        },
      });
    },
  });
  return found;
}

export function nulGuard<Context extends object>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          // A literal NUL reaches the text only escaped (\u0000) or raw: skip the walk for the usual query.
          const variable = nulPath(request.variables ?? {}, '');
          const field = variable
            ? asArgument(document, variable)
            : request.query && /\\u0000|\0/.test(request.query)
              ? nulArgument(document)
              : undefined;
          if (!field) return;
          const error = badInput(field, 'text may not contain a NUL character');
          // An answer, not a failure: the gateway passes a 200's errors on with their codes.
          error.extensions.http = { status: 200 };
          throw error;
        },
      };
    },
  };
}
