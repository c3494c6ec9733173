/**
 * The HTTP host every service runs on: express with /healthz, /readyz and /metrics, request
 * timing, and a close() that drains connections so Ctrl-C never cuts a request in half.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ErrorCode } from './errors';
import type { Logger } from './logger';
import { httpRequestDuration, registry } from './metrics';

/**
 * Answers a request that GraphQL never handled (refused before it, or failed to be read) with one
 * GraphQL error in JSON: the shape every client of the endpoint already parses.
 */
export function sendGraphqlError(
  res: express.Response,
  status: number,
  message: string,
  extensions: { code: ErrorCode } & Record<string, unknown>,
): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

/**
 * Errors raised before GraphQL sees a request (body parsing, body size) answered as GraphQL
 * errors in JSON with a 4xx, never Express's HTML page with a stack trace and file paths.
 */
function jsonErrors(log?: Logger): express.ErrorRequestHandler {
  return (error: { status?: number; type?: string; limit?: number }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = typeof error.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const [code, message] =
      error.type === 'entity.parse.failed'
        ? [ErrorCode.BAD_USER_INPUT, 'The request body is not valid JSON']
        : error.type === 'entity.too.large'
          ? [ErrorCode.LIMIT_EXCEEDED, `The request body is larger than the limit of ${error.limit} bytes`]
          : status < 500
            ? [ErrorCode.BAD_USER_INPUT, 'The request could not be read']
            : [ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error'];
    if (status === 500) log?.error({ err: error }, 'unexpected error before GraphQL');
    sendGraphqlError(res, status, message, { code });
  };
}

export interface HttpHost {
  app: express.Express;
  server: http.Server;
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
  const server = http.createServer(app);
  // Keep-alive connections from the gateway outlive single requests; let them idle a little longer than its agent does.
  server.keepAliveTimeout = 65_000;

  app.use((req, res, next) => {
    const stop = httpRequestDuration.startTimer({ service: options.service, method: req.method });
    res.on('finish', () => stop({ route: req.route?.path ?? req.path, status: String(res.statusCode) }));
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
