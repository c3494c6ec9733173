/**
 * The GraphQL endpoint of every service (the gateway's /graphql and /partner/graphql, each
 * subgraph's /graphql): one request handler from Node's HTTP request straight to Apollo Server.
 *
 * Why not express + body-parser + Apollo's express integration: CPU profiles of the gateway and
 * the subgraphs under load showed a real share of each request's CPU there (express's router walking
 * every route, body-parser's content negotiation, res.send hashing each answer for an ETag that no
 * GraphQL client sends back; figures in docs/benchmarks.md, "Gateway cost per request"). The host (platform/http.ts) hands non-GET requests for the exact
 * path straight to this handler and everything else to express, where the same handler is mounted
 * after the routes that answer browsers (the gateway's IDE on GET /graphql).
 *
 * What happens before GraphQL is the service's own gate (CORS, tokens, rate limits, signed claims):
 * it may answer a request itself and refuse it, or hand back how to build the request's context.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import getRawBody from 'raw-body';
import { ErrorCode } from './errors';
import type { Logger } from './logger';

/** The largest GraphQL request body any service accepts (1 MiB). */
export const GRAPHQL_BODY_LIMIT_BYTES = 1024 * 1024;

export interface GraphqlRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request's body as received (read once, on first call; at most the endpoint's limit). */
  body(): Promise<Buffer>;
}

/**
 * Decides whether, and as whom, a request runs: answers the request itself and resolves undefined
 * to refuse it, or resolves the request's context factory (Apollo calls it; what it throws, such
 * as a bad token's UNAUTHENTICATED, becomes the GraphQL answer).
 */
export type GraphqlGate<Context> = (request: GraphqlRequest) => Promise<(() => Promise<Context>) | undefined>;

export interface GraphqlHandlerOptions<Context extends BaseContext> {
  server: ApolloServer<Context>;
  gate: GraphqlGate<Context>;
  /** The largest request body accepted, in bytes; a larger one is answered 413 unread. */
  bodyLimitBytes: number;
  log: Logger;
  /**
   * Runs around each request's whole handling, gate included, and calls `handle` once (a trace's
   * server span: platform/telemetry/server-span.ts). Absent, nothing is wrapped.
   */
  around?: (req: IncomingMessage, res: ServerResponse, handle: () => void) => void;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Answers a request that GraphQL never handled (refused before it, or failed to be read) with one
 * GraphQL error in JSON: the shape every client of the endpoint already parses.
 */
export function sendGraphqlError(
  res: ServerResponse,
  status: number,
  message: string,
  extensions: { code: ErrorCode } & Record<string, unknown>,
): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ errors: [{ message, extensions }] }));
}

/** A body that could not be read or parsed: its status, error code and message for the client. */
export function bodyErrorAnswer(error: { status?: number; type?: string; limit?: number }): [number, ErrorCode, string] {
  const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
  if (error.type === 'entity.parse.failed') return [400, ErrorCode.BAD_USER_INPUT, 'The request body is not valid JSON'];
  if (error.type === 'entity.too.large')
    return [413, ErrorCode.LIMIT_EXCEEDED, `The request body is larger than the limit of ${error.limit} bytes`];
  if (status < 500) return [status, ErrorCode.BAD_USER_INPUT, 'The request could not be read'];
  return [500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'];
}

class UnreadableJson extends Error {
  readonly status = 400;
  readonly type = 'entity.parse.failed';
}

/** JSON only for a JSON content type (Apollo then refuses anything else with its own 400). */
function parseJsonBody(req: IncomingMessage, raw: Buffer): unknown {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new UnreadableJson('unreadable JSON body');
  }
}

/** A request URL's path and its query string (with its '?'), without parsing either. */
export function splitUrl(url: string | undefined): { path: string; search: string } {
  const at = url?.indexOf('?') ?? -1;
  return at >= 0 ? { path: url!.slice(0, at), search: url!.slice(at) } : { path: url ?? '/', search: '' };
}

function headerMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

export function graphqlHandler<Context extends BaseContext>(options: GraphqlHandlerOptions<Context>): RequestHandler {
  const { server, gate, bodyLimitBytes, log, around } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let reading: Promise<Buffer> | undefined;
    const body = () =>
      (reading ??= getRawBody(req, {
        limit: bodyLimitBytes,
        length: req.headers['content-length'],
      }));
    const context = await gate({ req, res, body });
    if (!context) return;
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = method === 'POST' ? parseJsonBody(req, await body()) : undefined;
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers: headerMap(req), search: splitUrl(req.url).search, body: parsed },
      context,
    });
    res.statusCode = response.status ?? 200;
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  const answer: RequestHandler = (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const [status, code, message] = bodyErrorAnswer(error as { status?: number });
      if (status === 500) log.error({ err: error }, 'unexpected error before GraphQL');
      if (res.headersSent) res.destroy();
      else sendGraphqlError(res, status, message, { code });
    });
  };
  return around ? (req, res) => around(req, res, () => answer(req, res)) : answer;
}
