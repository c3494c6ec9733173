/**
 * graphql-ws on the gateway's own port and path. The client's JWT comes in connection_init
 * (`{ "authorization": "Bearer <token>" }`), verified exactly as over HTTP before the ack.
 * Subscriptions go to the hub; queries and mutations sent over the socket run through the gateway
 * like HTTP ones.
 *
 * The socket wiring is ours (graphql-ws's makeServer, not its useServer) so that the edge limits
 * live here: a message over maxPayload closes the socket with 1009 before it is buffered, a socket
 * without connection_init in time closes with 4408, a bad token with 4401, a client over its
 * rate limit or its number of open sockets with 4429; each subscribe message costs one request of
 * the client's rate limit. A socket lives no longer than its token: at the token's `exp` it closes
 * with 4401 (the client reconnects with a fresh token), and a subscribe message that arrives after
 * `exp` (a busy event loop may run the timer late) closes it too. A socket of a user who is erased
 * while it is open closes with 4401 as soon as the gateway learns of the erasure
 * (gateway/plugins/http/auth/erased-subjects.ts), ending its subscriptions. Socket errors are
 * logged through our logger, never printed.
 */
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError, print, type ExecutionResult } from 'graphql';
import type { QueryLimitsConfig } from '../../platform/config';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { appError, ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { rateLimitRejections, websocketRefusals } from '../../platform/metrics';
import type { Viewer } from '../../platform/viewer';
import { TOKEN_EXPIRED, type Session, type TokenVerifier } from '../plugins/http/auth/token';
import { SUBJECT_ERASED, type ErasedSubjects } from '../plugins/http/auth/erased-subjects';
import { checkOperation } from '../plugins/operation/query-limits/limits';
import { withoutSuggestions } from '../plugins/operation/hide-suggestions';
import { clientIp, clientKey, type TrustFunction } from '../plugins/http/client-identity';
import type { RequestState } from '../pipeline/request-state';
import { rateLimitMessage, type RateLimiter } from '../plugins/http/rate-limit/limiter';
import type { ConnectionState, SubscriptionHub } from './hub';
import type { FederatedPlanner } from '../pipeline/planner';

export interface WebSocketLimits {
  /** Largest message accepted, in bytes; larger closes the socket with 1009. */
  maxPayloadBytes: number;
  /** How long a socket may stay open without connection_init (then 4408). */
  connectionInitTimeoutMs: number;
  /** Open sockets one client (user, or IP when anonymous) may hold on this gateway (then 4429). */
  maxConnectionsPerClient: number;
}

/** graphql-ws's own close code for "too many", reused for a client over its limits. */
export const TOO_MANY_REQUESTS = CloseCode.TooManyInitialisationRequests;

/** How long a client that broke the protocol gets to read our close frame before its connection is cut. */
const CLOSE_GRACE_MS = 1_000;

/** Pings keep idle sockets alive through proxies; a socket that misses a pong for this long is dropped. */
const KEEP_ALIVE_MS = 12_000;

/** setTimeout's longest delay (2^31-1 ms, about 24.8 days): a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ConnectionExtra {
  socket: WebSocket;
  ip: string;
  /** Set once the connection is acknowledged: who it is, and under which key it is counted. */
  viewer?: Viewer;
  key?: string;
  state?: ConnectionState;
  /** The token's exp (ms since the epoch), and the timer that closes the socket then; none when anonymous. */
  expiresAt?: number;
  expiry?: NodeJS.Timeout;
}

interface SocketContext {
  viewer: Viewer;
  connection: ConnectionState;
}

function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization ?? params?.Authorization ?? (params?.headers as Record<string, unknown> | undefined)?.authorization;
  return typeof value === 'string' ? value : undefined;
}

/** Open sockets per client key, on this gateway process. */
class OpenConnections {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts one more socket for `key`, unless the client already holds the maximum. */
  tryOpen(key: string): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  close(key: string): void {
    const count = (this.counts.get(key) ?? 1) - 1;
    if (count > 0) this.counts.set(key, count);
    else this.counts.delete(key);
  }
}

export function serveGraphqlWs(options: {
  httpServer: http.Server;
  planner: FederatedPlanner;
  hub: SubscriptionHub;
  verifier: TokenVerifier;
  apollo: ApolloServer<RequestState>;
  limits: WebSocketLimits;
  queryLimits: QueryLimitsConfig;
  /** Absent when rate limiting is off. */
  rateLimiter?: RateLimiter;
  trustProxy: TrustFunction;
  /** Validation errors without "Did you mean …" (introspection off), as over HTTP. */
  hideSchemaDetails: boolean;
  /** Milliseconds since the epoch, for token expiry (default Date.now; tests move it). */
  now?: () => number;
  /** Erased users: their open sockets close when the gateway learns of the erasure. */
  erased?: Pick<ErasedSubjects, 'onErased'>;
  log: Logger;
}): () => Promise<void> {
  const { planner, hub, verifier, apollo, limits, queryLimits, rateLimiter, hideSchemaDetails, log } = options;
  const now = options.now ?? Date.now;
  const open = new OpenConnections(limits.maxConnectionsPerClient);
  const refuse = (socket: WebSocket, code: number, reason: string, why: string) => {
    websocketRefusals.inc({ reason: why });
    // A close reason is at most 123 bytes on the wire.
    socket.close(code, reason.slice(0, 120));
  };
  /** Acknowledged sockets by the user they speak for, so an erasure closes them all. */
  const bySubject = new Map<string, Set<ConnectionExtra>>();
  const stopHearingErasures = options.erased?.onErased((userId) => {
    for (const extra of bySubject.get(userId) ?? []) refuse(extra.socket, CloseCode.Unauthorized, SUBJECT_ERASED, 'subject_erased');
  });
  const expired = (extra: ConnectionExtra) => extra.expiresAt !== undefined && now() >= extra.expiresAt;
  /** Closes the socket with 4401 at its token's exp; the socket's close handler clears the timer. */
  const closeAtExpiry = (extra: ConnectionExtra) => {
    if (extra.expiresAt === undefined || extra.socket.readyState !== extra.socket.OPEN) return;
    if (expired(extra)) {
      refuse(extra.socket, CloseCode.Unauthorized, TOKEN_EXPIRED, 'token_expired');
      return;
    }
    // A timer may fire a little early, and waits at most MAX_TIMER_MS: it checks again when it fires.
    extra.expiry = setTimeout(() => closeAtExpiry(extra), Math.min(extra.expiresAt - now(), MAX_TIMER_MS));
  };

  const server = makeServer<Record<string, unknown>, ConnectionExtra>({
    schema: planner.apiGraphQLSchema,
    connectionInitWaitTimeout: limits.connectionInitTimeoutMs,
    onConnect: async (ctx) => {
      const { extra } = ctx;
      let session: Session;
      try {
        session = await verifier.session(authorizationOf(ctx.connectionParams));
      } catch (error) {
        // 4401 tells a graphql-ws client not to retry with the same token.
        refuse(extra.socket, CloseCode.Unauthorized, error instanceof GraphQLError ? error.message : 'Unauthenticated', 'unauthenticated');
        return false;
      }
      const { viewer } = session;
      const key = clientKey(viewer, extra.ip);
      if (rateLimiter) {
        const decision = await rateLimiter.consume(key);
        if (!decision.allowed) {
          rateLimitRejections.inc({ transport: 'websocket' });
          refuse(extra.socket, TOO_MANY_REQUESTS, rateLimitMessage(decision), 'rate_limited');
          return false;
        }
      }
      // Gone while we waited: nothing to count (its close handler has already run).
      if (extra.socket.readyState !== extra.socket.OPEN) return false;
      if (!open.tryOpen(key)) {
        refuse(
          extra.socket,
          TOO_MANY_REQUESTS,
          `Too many open connections for this client: at most ${limits.maxConnectionsPerClient}`,
          'too_many_connections',
        );
        return false;
      }
      extra.key = key;
      extra.viewer = viewer;
      extra.state = { active: 0 };
      extra.expiresAt = session.expiresAt;
      closeAtExpiry(extra);
      if (viewer.userId !== undefined) {
        const sockets = bySubject.get(viewer.userId) ?? new Set();
        bySubject.set(viewer.userId, sockets.add(extra));
      }
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      if (expired(ctx.extra)) {
        refuse(ctx.extra.socket, CloseCode.Unauthorized, TOKEN_EXPIRED, 'token_expired');
        return [appError(ErrorCode.UNAUTHENTICATED, TOKEN_EXPIRED)];
      }
      if (rateLimiter) {
        const decision = await rateLimiter.consume(ctx.extra.key!);
        if (!decision.allowed) {
          rateLimitRejections.inc({ transport: 'websocket' });
          return [appError(ErrorCode.RATE_LIMITED, rateLimitMessage(decision), { retryAfter: decision.resetSeconds })];
        }
      }
      // Parsed and validated here, not by graphql-ws: its parse runs inside a handler that closes the
      // whole socket (4500) on a syntax error, dropping the client's other subscriptions, so that one
      // operation gets its errors instead. The checks HTTP requests get (limits on or off) run here too
      // (Apollo's pipeline sees only queries and mutations sent over the socket, in execute below), and
      // their errors say no more about the schema than over HTTP.
      const checked = checkOperation(queryLimits, planner.apiGraphQLSchema, payload);
      if ('errors' in checked) return hideSchemaDetails ? withoutSuggestions(checked.errors) : checked.errors;
      // Checked and validated: graphql-ws runs these arguments as they are, filling in the context.
      return {
        schema: planner.apiGraphQLSchema,
        document: checked.document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
    },
    context: (ctx): SocketContext => ({ viewer: ctx.extra.viewer!, connection: ctx.extra.state! }),
    subscribe: (args) => {
      const context = args.contextValue as SocketContext;
      return hub.subscribe({
        document: args.document,
        operationName: args.operationName,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        viewer: context.viewer,
        connection: context.connection,
      }) as never;
    },
    execute: async (args): Promise<ExecutionResult> => {
      const context = args.contextValue as SocketContext;
      const response = await apollo.executeOperation(
        {
          query: print(args.document),
          variables: args.variableValues as Record<string, unknown>,
          operationName: args.operationName ?? undefined,
        },
        { contextValue: { viewer: context.viewer } },
      );
      if (response.body.kind !== 'single') {
        return {
          errors: [
            new GraphQLError('Incremental delivery is not supported over WebSocket', { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
          ],
        };
      }
      return response.body.singleResult as ExecutionResult;
    },
    onError: (_ctx, _id, _payload, errors) => {
      log.debug({ errors: errors.map((error) => error.message) }, 'rejected subscription');
    },
  });

  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    // ws refuses a larger frame from its header (close 1009) instead of buffering it: without this
    // its default of 100 MiB let each connection_init cost that much memory.
    maxPayload: limits.maxPayloadBytes,
    handleProtocols: (protocols) => handleProtocols(protocols),
  });
  wss.on('error', (error) => log.error({ err: error }, 'websocket server error'));
  wss.on('connection', (socket, request: http.IncomingMessage) => {
    const extra: ConnectionExtra = { socket, ip: clientIp(request, options.trustProxy) };
    socket.on('error', (error: Error & { code?: string }) => {
      // ws has already sent the fitting close frame (1009 for a message too large) and now reads and
      // drops whatever the client still sends until it answers or 30 s pass; a client still pushing
      // its 95 MB frame never answers, so cut the connection once the close frame has had time to arrive.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') websocketRefusals.inc({ reason: 'message_too_large' });
      log.debug({ err: error, ip: extra.ip }, 'websocket closed on error');
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    });
    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN || pongWait) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once('pong', () => {
        clearTimeout(pongWait);
        pongWait = undefined;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => {
          if (code === CloseCode.ConnectionInitialisationTimeout) websocketRefusals.inc({ reason: 'init_timeout' });
          socket.close(code, reason);
        },
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((error: unknown) => {
              // A send to a client that has just left fails too: not worth a warning.
              if (socket.readyState !== socket.OPEN) {
                log.debug({ err: error, ip: extra.ip }, 'websocket message failed after the client left');
                return;
              }
              log.warn({ err: error, ip: extra.ip }, 'websocket message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      extra,
    );
    socket.once('close', (code, reason) => {
      clearInterval(ping);
      clearTimeout(pongWait);
      clearTimeout(extra.expiry);
      if (extra.key) open.close(extra.key);
      const userId = extra.viewer?.userId;
      const sockets = userId === undefined ? undefined : bySubject.get(userId);
      if (sockets?.delete(extra) && sockets.size === 0) bySubject.delete(userId!);
      closed(code, String(reason)).catch((error: unknown) => log.warn({ err: error }, 'websocket close handling failed'));
    });
  });

  return async () => {
    stopHearingErasures?.();
    for (const client of wss.clients) client.close(1001, 'Going away');
    // A client that never answers the close handshake is cut off, so shutdown stays bounded.
    const cutOff = setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, 1_000);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    clearTimeout(cutOff);
  };
}
