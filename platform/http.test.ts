/** The HTTP host every service runs on, over a real socket: what a client gets for a body it cannot read. */
import express from 'express';
import { createHttpHost, type HttpHost } from './http';

describe('HTTP host', () => {
  let host: HttpHost;
  let url: string;

  beforeAll(async () => {
    host = createHttpHost({ service: 'test', ready: async () => true });
    host.app.post('/graphql', express.json({ limit: '1kb' }), (req, res) => {
      res.json({ received: req.body });
    });
    ({ url } = await host.listen(0, '127.0.0.1'));
  });

  afterAll(() => host.close());

  const post = (body: string) => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

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

  it('leaves good requests alone', async () => {
    const response = await post('{"query":"{ a }"}');
    expect(await response.json()).toEqual({ received: { query: '{ a }' } });
  });
});
