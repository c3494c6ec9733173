/** The HTTP host every service runs on and its GraphQL endpoint, over a real socket with a real Apollo Server. */
import { ApolloServer } from '@apollo/server';
import { graphqlHandler, sendGraphqlError, type GraphqlGate } from './graphql-http';
import { ErrorCode } from './errors';
import { createHttpHost, type HttpHost } from './http';
import { rootLogger } from './logger';

describe('HTTP host and its GraphQL endpoint', () => {
  let host: HttpHost;
  let server: ApolloServer<{ caller: string }>;
  let url: string;

  beforeAll(async () => {
    server = new ApolloServer<{ caller: string }>({
      typeDefs: 'type Query { caller: String }',
      resolvers: { Query: { caller: (_root: unknown, _args: unknown, context: { caller: string }) => context.caller } },
      stopOnTerminationSignals: false,
    });
    await server.start();
    host = createHttpHost({ service: 'test', ready: async () => true });
    // A route added before the endpoint keeps GET requests for its path (as the gateway's IDE does).
    host.app.get('/graphql', (req, res, next) => (req.query.page === undefined ? next() : res.type('text/html').send('<p>page</p>')));
    const gate: GraphqlGate<{ caller: string }> = async ({ req, res }) => {
      if (req.headers['x-refuse'] !== undefined) {
        sendGraphqlError(res, 403, 'refused by the gate', { code: ErrorCode.FORBIDDEN });
        return undefined;
      }
      return async () => ({ caller: String(req.headers['x-caller'] ?? 'anonymous') });
    };
    host.serveGraphql('/graphql', graphqlHandler({ server, gate, bodyLimitBytes: 1024, log: rootLogger }));
    ({ url } = await host.listen(0, '127.0.0.1'));
  });

  afterAll(async () => {
    await host.close();
    await server.stop();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers malformed JSON with a 400 GraphQL error in JSON, with no stack trace', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect(text).not.toMatch(/node_modules|at /);
  });

  it('answers an oversized body with 413 and the limit', async () => {
    const response = await post(JSON.stringify({ query: 'x'.repeat(2048) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is larger than the limit of 1024 bytes', extensions: { code: 'LIMIT_EXCEEDED' } }],
    });
  });

  it('runs a good request with the context its gate built, and counts it in /metrics', async () => {
    const response = await post('{"query":"{ caller }"}', { 'x-caller': 'ada' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { caller: 'ada' } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/graphql"[^}]*status="200"[^}]*\} [1-9]/);
  });

  it('lets the gate answer and refuse a request before GraphQL', async () => {
    const response = await post('{"query":"{ caller }"}', { 'x-refuse': '1' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ errors: [{ message: 'refused by the gate', extensions: { code: 'FORBIDDEN' } }] });
  });

  it("leaves a non-JSON body to Apollo's own 400", async () => {
    const response = await post('query=x', { 'content-type': 'text/plain', 'apollo-require-preflight': '1' });
    expect(response.status).toBe(400);
  });

  it('serves GET queries through express, after the routes added before it', async () => {
    const query = await fetch(`${url}/graphql?query=${encodeURIComponent('{ caller }')}`, { headers: { 'apollo-require-preflight': '1' } });
    expect(await query.json()).toEqual({ data: { caller: 'anonymous' } });
    const page = await fetch(`${url}/graphql?page=1`);
    expect(await page.text()).toBe('<p>page</p>');
  });
});

describe('HTTP host close', () => {
  /** A host whose /hold route answers only when the test lets it; resolves once the request has arrived. */
  async function holdingHost(drainMs: number | undefined) {
    const host = createHttpHost({ service: 'test', ready: async () => true, drainMs });
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    host.app.get('/hold', () => arrived());
    const { url } = await host.listen(0, '127.0.0.1');
    const request = fetch(`${url}/hold`).then(
      () => 'answered',
      () => 'cut',
    );
    await held;
    return { host, request };
  }

  it('with drainMs 0, cuts requests in progress at once', async () => {
    const { host, request } = await holdingHost(0);
    await host.close();
    expect(await request).toBe('cut');
  });

  it('by default, gives requests in progress time before it cuts them', async () => {
    const { host, request } = await holdingHost(undefined);
    const closed = host.close();
    const first = await Promise.race([request, new Promise((resolve) => setTimeout(() => resolve('still open'), 200))]);
    expect(first).toBe('still open');
    await closed;
    expect(await request).toBe('cut');
  });
});
