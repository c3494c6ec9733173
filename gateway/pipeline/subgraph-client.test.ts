/**
 * The subgraph client against a real HTTP server: connections are kept alive and reused, bounded
 * in number, and gone once the client is closed, so a gateway's shutdown never waits on them.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { eventually } from '../../test/support/eventually';
import { createSubgraphClient } from './subgraph-client';

interface Subgraph {
  url: string;
  /** Sockets the server accepted, open or closed. */
  sockets: Socket[];
  /** Requests being answered right now, at most. */
  peak: () => number;
  close(): Promise<void>;
}

async function subgraph(delayMs = 0): Promise<Subgraph> {
  const sockets: Socket[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = http.createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    req.resume();
    req.on('end', () =>
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5' }).end('{"data":{"ok":true}}');
      }, delayMs),
    );
  });
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    sockets,
    peak: () => peak,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' };

describe('subgraph client', () => {
  it('reuses kept-alive connections for requests that come one at a time', async () => {
    const server = await subgraph();
    const client = createSubgraphClient(server.url);
    try {
      for (let i = 0; i < 10; i++) {
        const response = await client.fetch(server.url, post);
        expect(response.ok).toBe(true);
        await expect(response.json()).resolves.toEqual({ data: { ok: true } });
        expect(response.headers.get('Cache-Control')).toBe('max-age=5');
      }
      // undici may open a second connection while the first one's answer is being completed; never one per request.
      expect(server.sockets.length).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('opens no more connections than it is allowed', async () => {
    const server = await subgraph(20);
    const client = createSubgraphClient(server.url, { connections: 2 });
    try {
      await Promise.all(Array.from({ length: 8 }, () => client.fetch(server.url, post).then((response) => response.text())));
      expect(server.sockets.length).toBeLessThanOrEqual(2);
      expect(server.peak()).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('closes its connections on close and refuses requests afterwards', async () => {
    const server = await subgraph();
    const client = createSubgraphClient(server.url);
    try {
      await (await client.fetch(server.url, post)).text();
      await client.close();
      const allClosed = () => server.sockets.every((socket) => socket.destroyed);
      await expect(eventually(async () => allClosed(), Boolean)).resolves.toBe(true);
      await expect(client.fetch(server.url, post)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('reports a non-2xx answer with its status and body', async () => {
    const server = http.createServer((_req, res) => res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const client = createSubgraphClient(url);
    try {
      const response = await client.fetch(url, post);
      expect([response.ok, response.status, response.statusText]).toEqual([false, 502, 'Bad Gateway']);
      await expect(response.text()).resolves.toBe('bad gateway');
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
