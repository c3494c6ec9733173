/**
 * What a client sees when a subgraph cannot be reached: instead of a bare INTERNAL_SERVER_ERROR
 * without a path (Apollo Gateway's answer to a thrown fetch), one SERVICE_UNAVAILABLE error per
 * field the failed fetch would have filled, each with its `path` and the subgraph's name. The
 * fields themselves go null, and the nullable schema keeps that null from spreading further.
 */
import { Kind, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../../../../platform/errors';

export type UnavailableReason = 'timeout' | 'connection_refused' | 'connection_failed' | 'http_5xx';

const DESCRIBED: Record<UnavailableReason, string> = {
  timeout: 'it did not answer in time',
  connection_refused: 'connection refused',
  connection_failed: 'connection failed',
  http_5xx: 'it answered with a server error',
};

/** Network errors that say nothing answered (or the answer broke off), as Node, undici and minipass-fetch spell them. */
const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNABORTED',
  // undici (gateway/pipeline/subgraph-client.ts): the socket closed under a request, connecting took too
  // long, or the gateway is closing (a request whose client already left may still be running then).
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

/** undici's own deadlines; the data source's timeout signal normally fires first. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Why a subgraph fetch failed, when the failure means the service is unavailable; undefined for anything else (a gateway bug stays a 500). */
export function unavailableReason(error: unknown): UnavailableReason | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code, type, extensions } = error as {
    name?: string;
    code?: string;
    type?: string;
    extensions?: { response?: { status?: number } };
  };
  // The data source aborts with a timeout signal; minipass-fetch reports its own AbortError for it.
  if (
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    type === 'request-timeout' ||
    type === 'body-timeout' ||
    (code && TIMEOUT_CODES.has(code))
  )
    return 'timeout';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if ((code && CONNECTION_CODES.has(code)) || type === 'system') return 'connection_failed';
  const status = extensions?.response?.status;
  if (typeof status === 'number' && status >= 500) return 'http_5xx';
  return undefined;
}

/** The fetch the errors are for: its variables (entity representations) and operation document. */
export interface FailedFetch {
  serviceName: string;
  reason: UnavailableReason;
  variables?: Record<string, unknown>;
  document?: DocumentNode;
}

/**
 * Errors in the shape a subgraph would have sent, so Apollo Gateway turns each path into the
 * client's: `['_entities', i]` becomes the path of the i-th entity of the fetch, a root field's
 * name stays the root field. Apollo adds `serviceName` too; it is set here so the shape holds alone.
 */
export function unavailableErrors({ serviceName, reason, variables, document }: FailedFetch): GraphQLFormattedError[] {
  const message = `The ${serviceName} service is unavailable (${DESCRIBED[reason]}); the fields it resolves are null.`;
  const extensions = { code: ErrorCode.SERVICE_UNAVAILABLE, serviceName, reason };
  const representations = variables?.representations;
  if (Array.isArray(representations)) {
    return representations.map((_, index) => ({ message, path: ['_entities', index], extensions }));
  }
  const fields = rootFields(document);
  if (fields.length === 0) return [{ message, extensions }];
  return fields.map((field) => ({ message, path: [field], extensions }));
}

/** Response names of the fields at the root of the fetch's operation (aliases as the client sees them). */
function rootFields(document: DocumentNode | undefined): string[] {
  const operation = document?.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return (operation?.selectionSet.selections ?? [])
    .filter((selection) => selection.kind === Kind.FIELD && selection.name.value !== '__typename')
    .map((selection) => (selection.kind === Kind.FIELD ? (selection.alias ?? selection.name).value : ''));
}
