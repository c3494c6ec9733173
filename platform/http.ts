/**
 * The HTTP host every service runs on: express with /healthz, /readyz and /metrics (or /metrics on
 * a listener of its own), request timing, and a close() that drains connections so Ctrl-C never
 * cuts a request in half.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ErrorCode } from './errors';
import { bodyErrorAnswer, sendGraphqlError, splitUrl, type RequestHandler } from './graphql-http';
import type { Logger } from './logger';
import { httpRequestDuration } from './metrics';
import { exposition } from './metrics-exposition';

/** The `route` label of requests no route answered: one series whatever the path, never the path itself. */
export const UNMATCHED_ROUTE = 'unmatched';
/**
 * Route labels one process records at most; later ones count as UNMATCHED_ROUTE. Labels are route
 * patterns and mount paths from the code, far fewer than this: the cap only holds if a future
 * mount path takes parameters.
 */
export const MAX_ROUTE_LABELS = 100;
/**
 * How long a readiness verdict is reused. /readyz is on the public port (kubelet probes it every
 * few seconds) and the gateway's asks every subgraph: anyone may call it, so at most one check runs
 * at a time and its verdict serves every call for this long after it.
 */
export const READINESS_TTL_MS = 1000;

/** Marks a response as answered by the not-found handler. */
const unmatched = new WeakSet<http.ServerResponse>();
const routeLabels = new Set<string>();

/**
 * The route a request is counted under: a route's pattern, a mounted handler's mount path (express
 * matches those case-insensitively, so the path is folded), or UNMATCHED_ROUTE — never the raw URL,
 * which a client chooses freely.
 */
function routeLabel(req: express.Request, res: http.ServerResponse): string {
  if (unmatched.has(res)) return UNMATCHED_ROUTE;
  const route: unknown = req.route?.path;
  const label = typeof route === 'string' ? route : req.baseUrl ? req.baseUrl.toLowerCase() : UNMATCHED_ROUTE;
  if (routeLabels.has(label)) return label;
  if (routeLabels.size >= MAX_ROUTE_LABELS) return UNMATCHED_ROUTE;
  routeLabels.add(label);
  return label;
}

/** `check` run at most once at a time, its verdict reused for ttlMs after it (a failed check is "not ready"). */
function reusedReadiness(check: () => Promise<boolean>, ttlMs: number): () => Promise<boolean> {
  let last: { at: number; ready: boolean } | undefined;
  let running: Promise<boolean> | undefined;
  return () => {
    if (last && performance.now() - last.at < ttlMs) return Promise.resolve(last.ready);
    running ??= check()
      .catch(() => false)
      .then((ready) => {
        last = { at: performance.now(), ready };
        running = undefined;
        return ready;
      });
    return running;
  };
}

/** The registry as every listener that serves /metrics answers it: Prometheus text, or OpenMetrics when asked for. */
async function sendMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const { contentType, body } = await exposition(req.headers.accept);
  res.statusCode = 200;
  res.setHeader('content-type', contentType);
  // One URL, two formats: a cache between scraper and service must key on what was asked for.
  res.setHeader('vary', 'Accept');
  res.end(body);
}

/** A listener with GET /metrics and nothing else (no timing: scrapes are not traffic). */
function metricsServer(): http.Server {
  return http.createServer((req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && splitUrl(req.url).path === '/metrics') {
      sendMetrics(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
}

/**
 * Errors raised before GraphQL sees a request on an express route answered as GraphQL errors in
 * JSON with a 4xx, never Express's HTML page with a stack trace and file paths.
 */
function jsonErrors(log?: Logger): express.ErrorRequestHandler {
  return (error: { status?: number; type?: string; limit?: number }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const [status, code, message] = bodyErrorAnswer(error);
    if (status === 500) log?.error({ err: error }, 'unexpected error before GraphQL');
    sendGraphqlError(res, status, message, { code });
  };
}

export interface HttpHost {
  app: express.Express;
  server: http.Server;
  /**
   * Serves a GraphQL endpoint (platform/graphql-http.ts) at `path`: non-GET requests for exactly
   * that path skip express; GET requests (and the path's variants) reach it through express, after
   * the routes added before this call.
   */
  serveGraphql(path: string, handler: RequestHandler): void;
  /**
   * Starts listening; routes must be added before (it appends the not-found and JSON error
   * handlers). With a metrics port, /metrics is served there (metricsUrl) and not on `port`.
   */
  listen(port: number, host: string): Promise<{ port: number; url: string; metricsUrl: string }>;
  /**
   * Stops accepting connections at once and resolves when the open ones are done (drainMs at most).
   * Services call it before closing their WebSocket servers, so no upgrade arrives in between
   * to be answered by the HTTP routes instead.
   */
  close(): Promise<void>;
}

export interface HttpHostOptions {
  service: string;
  ready: () => Promise<boolean>;
  log?: Logger;
  /**
   * Serve /metrics on a listener of its own on this port (0: any free one), on the same host, and
   * not on the service's port: for a service whose port is public (the gateway).
   */
  metricsPort?: number;
  /** How long a readiness verdict is reused (default READINESS_TTL_MS). */
  readinessTtlMs?: number;
  /**
   * How long close() lets requests in progress finish before it cuts their connections (default
   * DRAIN_MS; 0 cuts them at once, for a service whose callers retry or fall back on their own).
   */
  drainMs?: number;
}

/** How long close() waits for requests in progress by default. */
export const DRAIN_MS = 5_000;

export function createHttpHost(options: HttpHostOptions): HttpHost {
  const app = express();
  app.disable('x-powered-by');
  const ready = reusedReadiness(options.ready, options.readinessTtlMs ?? READINESS_TTL_MS);
  const metrics = options.metricsPort === undefined ? undefined : metricsServer();
  /** Observes the request's duration once it is answered, under the route it reports then. */
  const timeRequest = (req: http.IncomingMessage, res: http.ServerResponse, route: () => string) => {
    const stop = httpRequestDuration.startTimer({ service: options.service, method: req.method });
    res.on('finish', () => stop({ route: route(), status: String(res.statusCode) }));
  };
  const direct = new Map<string, RequestHandler>();
  const server = http.createServer((req, res) => {
    const path = splitUrl(req.url).path;
    const handler = req.method === 'GET' ? undefined : direct.get(path);
    if (!handler) {
      app(req, res);
      return;
    }
    timeRequest(req, res, () => path);
    handler(req, res);
  });
  // Keep-alive connections from the gateway outlive single requests; let them idle a little longer than its agent does.
  server.keepAliveTimeout = 65_000;

  app.use((req, res, next) => {
    timeRequest(req, res, () => routeLabel(req, res));
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.get('/readyz', async (_req, res) => {
    const verdict = await ready();
    res.status(verdict ? 200 : 503).json({ status: verdict ? 'ready' : 'not ready', service: options.service });
  });
  if (!metrics) {
    app.get('/metrics', async (req, res) => {
      await sendMetrics(req, res);
    });
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    server,
    serveGraphql(path, handler) {
      direct.set(path, handler);
      app.use(path, handler);
    },
    async listen(port, host) {
      // Last in the chain, after every route the service added: a fixed answer that keeps nothing
      // per path and does not echo it (express's own page repeats the path back).
      app.use((_req, res) => {
        unmatched.add(res);
        sendGraphqlError(res, 404, 'Not found', { code: ErrorCode.NOT_FOUND });
      });
      app.use(jsonErrors(options.log));
      const url = await listenOn(server, port, host);
      if (!metrics || options.metricsPort === undefined) return { port: url.port, url: url.url, metricsUrl: `${url.url}/metrics` };
      try {
        const metricsAt = await listenOn(metrics, options.metricsPort, host);
        return { port: url.port, url: url.url, metricsUrl: `${metricsAt.url}/metrics` };
      } catch (error) {
        server.close();
        throw error;
      }
    },
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          const drainMs = options.drainMs ?? DRAIN_MS;
          if (drainMs === 0) server.closeAllConnections();
          else setTimeout(() => server.closeAllConnections(), drainMs).unref();
        }),
        metrics?.listening
          ? new Promise<void>((resolve) => {
              metrics.close(() => resolve());
              metrics.closeAllConnections();
            })
          : undefined,
      ]).then(() => undefined);
      return closing;
    },
  };
}

function listenOn(server: http.Server, port: number, host: string): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({ port: actual, url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}` });
    });
  });
}
