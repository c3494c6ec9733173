import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../../platform/errors';

/** `denied` for a refusal, `error:<CODE>` for any other failure (INTERNAL_SERVER_ERROR when it has no code). */
export function outcomeOf(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  if (code === ErrorCode.FORBIDDEN || code === ErrorCode.UNAUTHENTICATED) return 'denied';
  return `error:${typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR'}`;
}
