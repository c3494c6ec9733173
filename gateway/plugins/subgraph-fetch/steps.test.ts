/**
 * The gateway's subgraph data source, with its fetch steps, against real HTTP servers that misbehave the ways a subgraph
 * does in an outage: nothing listening, a server that never answers, a 503. Each failure must come
 * back as SERVICE_UNAVAILABLE errors for the fetch's fields, never as a thrown error.
 */
import { CLAIMS_HEADER, createClaimsVerifier } from '../../../platform/forwarded-claims';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse } from 'graphql';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import pino from 'pino';
import type { Logger } from '../../../platform/logger';
import { subgraphFetchPlugins } from '.';
import { SubgraphSource, type SubgraphSourceOptions } from '../../pipeline/apollo-adapter';
import type { RequestState } from '../../pipeline/request-state';
import { Pipeline } from '../../pipeline/runner';

/** A subgraph source with the gateway's own fetch steps (claims, outages), as the gateway builds it. */
const gatewaySource = (options: Omit<SubgraphSourceOptions, 'pipeline'> & { internalSecret: string; log: Logger }) =>
  new SubgraphSource({ ...options, pipeline: new Pipeline(subgraphFetchPlugins(options)) });

const ENTITY_QUERY = 'query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { name } } }';
const representations = [
  { __typename: 'Product', id: 'p1' },
  { __typename: 'Product', id: 'p2' },
];

/** A fetch as Apollo Gateway sends it; some plans hand the parsed operation along, others only its text. */
function incoming(query: string, variables: Record<string, unknown>, withDocument = true): GraphQLDataSourceProcessOptions<RequestState> {
  return {
    kind: 'incoming operation',
    request: { query, variables },
    incomingRequestContext: {},
    context: { viewer: { roles: [] } },
    document: withDocument ? parse(query) : undefined,
  } as unknown as GraphQLDataSourceProcessOptions<RequestState>;
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

const close = (server: http.Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const source = (url: string, timeoutMs = 30_000) =>
  gatewaySource({ name: 'products', url, internalSecret: 'internal', timeoutMs, log: pino({ level: 'silent' }) });

describe('SubgraphSource', () => {
  it('answers a refused connection with one SERVICE_UNAVAILABLE error per entity', async () => {
    const { server, url } = await listen(() => undefined);
    await close(server); // the port is free again: connecting is refused
    const response = await source(url).process(incoming(ENTITY_QUERY, { representations }));
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      expect.objectContaining({
        path: ['_entities', 0],
        extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'connection_refused' },
      }),
      expect.objectContaining({
        path: ['_entities', 1],
        extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'connection_refused' },
      }),
    ]);
  });

  it('gives up on a subgraph that never answers once its timeout passes', async () => {
    const { server, url } = await listen(() => undefined); // accepts and never responds
    try {
      const response = await source(url, 200).process(incoming('{ products(first: 1) { edges { cursor } } }', {}, false));
      expect(response.errors).toEqual([
        expect.objectContaining({ path: ['products'], extensions: expect.objectContaining({ reason: 'timeout' }) }),
      ]);
    } finally {
      await close(server);
    }
  });

  it('cuts off a subgraph that sends headers and then stalls the body', async () => {
    const { server, url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    try {
      const response = await source(url, 200).process(incoming(ENTITY_QUERY, { representations }));
      expect(response.errors?.[0]?.extensions).toEqual(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'timeout' }));
    } finally {
      await close(server);
    }
  });

  it('treats a 5xx answer as unavailable', async () => {
    const { server, url } = await listen((_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('draining'));
    try {
      const response = await source(url).process(incoming(ENTITY_QUERY, { representations }));
      expect(response.errors).toHaveLength(2);
      expect(response.errors?.[0]?.extensions).toEqual(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'http_5xx' }));
    } finally {
      await close(server);
    }
  });

  it('passes a healthy answer through untouched, with viewer claims signed over the very body sent', async () => {
    let headers: http.IncomingHttpHeaders = {};
    let body = '';
    const { server, url } = await listen((req, res) => {
      headers = req.headers;
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ data: { _entities: [{ name: 'A' }, { name: 'B' }] } })),
      );
    });
    try {
      const response = await source(url).process(incoming(ENTITY_QUERY, { representations }));
      expect(response.data).toEqual({ _entities: [{ name: 'A' }, { name: 'B' }] });
      expect(response.errors).toBeUndefined();
      expect(JSON.parse(body)).toEqual({ query: ENTITY_QUERY, variables: { representations } });
      const verifier = createClaimsVerifier({ secret: 'internal', audience: 'products', nonces: { firstUse: async () => true } });
      await expect(verifier.verify(headers[CLAIMS_HEADER] as string, { channel: 'http', body })).resolves.toEqual({ roles: [] });
      await expect(verifier.verify(headers[CLAIMS_HEADER] as string, { channel: 'http', body: `${body} ` })).rejects.toThrow(/refused/);
      expect(headers['x-internal-unsigned-viewer']).toBeUndefined();
    } finally {
      await close(server);
    }
  });

  it('refuses a 200 answer whose body is not a JSON object, as Apollo does', async () => {
    const { server, url } = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2]'));
    try {
      const response = source(url).process(incoming(ENTITY_QUERY, { representations }));
      await expect(response).rejects.toThrow('Expected JSON response body, but received: 1,2');
    } finally {
      await close(server);
    }
  });

  it('logs an outage once when it starts and once when it ends, not once per request', async () => {
    let healthy = false;
    const { server, url } = await listen((_req, res) => {
      if (!healthy) return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { _entities: [null, null] } }));
    });
    const log = { warn: jest.fn(), info: jest.fn() };
    const dataSource = gatewaySource({
      name: 'products',
      url,
      internalSecret: 'internal',
      timeoutMs: 30_000,
      log: log as unknown as Logger,
    });
    try {
      await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      expect(log.warn).toHaveBeenCalledTimes(1);
      healthy = true;
      await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      expect(log.info).toHaveBeenCalledTimes(1);
    } finally {
      await close(server);
    }
  });

  it('still throws for requests that carry no client fields (health checks)', async () => {
    const { server, url } = await listen(() => undefined);
    await close(server);
    const healthCheck = {
      kind: 'health check',
      request: { query: '{ __typename }' },
      context: {},
    } as unknown as GraphQLDataSourceProcessOptions<RequestState>;
    await expect(source(url).process(healthCheck)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('SubgraphSource connections', () => {
  it('answers a connection cut mid-answer with SERVICE_UNAVAILABLE (connection_failed)', async () => {
    const { server, url } = await listen((req) => req.socket.destroy());
    try {
      const response = await source(url).process(incoming(ENTITY_QUERY, { representations }));
      expect(response.errors?.[0]?.extensions).toEqual(
        expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'connection_failed' }),
      );
    } finally {
      await close(server);
    }
  });

  it('reuses one keep-alive connection across fetches and lets it go on close', async () => {
    const sockets: Socket[] = [];
    const { server, url } = await listen((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { _entities: [null, null] } })),
    );
    server.on('connection', (socket) => sockets.push(socket));
    const dataSource = source(url);
    try {
      for (let i = 0; i < 6; i++) await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      expect(sockets.length).toBeLessThanOrEqual(2);
      await dataSource.close();
      const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', resolve)));
      await Promise.all(sockets.map(closed));
      expect(sockets.every((socket) => socket.destroyed)).toBe(true);
      // A request still running when the gateway closes gets its fields nulled, not a 500.
      const late = await dataSource.process(incoming(ENTITY_QUERY, { representations }));
      expect(late.errors?.[0]?.extensions).toEqual(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', reason: 'connection_failed' }));
    } finally {
      await close(server);
    }
  });
});
