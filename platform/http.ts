/**
 * The HTTP host every service runs on: express with /healthz, /readyz and /metrics, request
 * timing, and a close() that drains connections so Ctrl-C never cuts a request in half.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { bodyErrorAnswer, sendGraphqlError, splitUrl, type RequestHandler } from './graphql-http';
import type { Logger } from './logger';
import { httpRequestDuration, registry } from './metrics';

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
  /** Starts listening; routes must be added before (it appends the JSON error handler). */
  listen(port: number, host: string): Promise<{ port: number; url: string }>;
  /**
   * Stops accepting connections at once and resolves when the open ones are done (5 s at most).
   * Services call it before closing their WebSocket servers, so no upgrade arrives in between
   * to be answered by the HTTP routes instead.
   */
  close(): Promise<void>;
}

export function createHttpHost(options: { service: string; ready: () => Promise<boolean>; log?: Logger }): HttpHost {
  const app = express();
  app.disable('x-powered-by');
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
    timeRequest(req, res, () => req.route?.path ?? req.path);
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await options.ready().catch(() => false);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', service: options.service });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  let closing: Promise<void> | undefined;
  return {
    app,
    server,
    serveGraphql(path, handler) {
      direct.set(path, handler);
      app.use(path, handler);
    },
    listen(port, host) {
      // Last in the chain, after every route the service added.
      app.use(jsonErrors(options.log));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const { port: actual } = server.address() as AddressInfo;
          resolve({ port: actual, url: `http://${host}:${actual}` });
        });
      });
    },
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      });
      return closing;
    },
  };
}
