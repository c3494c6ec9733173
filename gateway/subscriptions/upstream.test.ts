/**
 * The gateway's upstream graphql-ws connections against a subgraph that refuses the WebSocket
 * upgrade, as a subgraph does while it shuts down (its HTTP server still listens, its WebSocket
 * server is gone, so the upgrade is answered 400). A client leaving while the gateway is still
 * trying to connect must not leave a rejected promise behind: in a real process that is a crash.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { UpstreamConnections } from './upstream';

describe('upstream subscription connections', () => {
  let server: http.Server;
  let url: string;
  let upgrades = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (_req, socket) => {
      upgrades++;
      // Answer a little later, so the caller can leave while the attempt is still in flight.
      setTimeout(() => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    process.on('unhandledRejection', onUnhandled);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await new Promise((resolve) => server.close(resolve));
  });

  it('releases a subscription whose connection attempt then fails without an unhandled rejection', async () => {
    const connections = new UpstreamConnections({ recommendations: url }, 'internal-secret', pino({ level: 'silent' }));
    const sink = { next: jest.fn(), error: jest.fn(), complete: jest.fn() };
    const release = connections.subscribe(
      'recommendations',
      { userId: 'user-0001', roles: ['customer'] },
      { query: 'subscription { x }', variables: {} },
      sink,
    );
    // Let the WebSocket upgrade reach the server, then leave before it answers.
    while (upgrades === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await connections.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(sink.next).not.toHaveBeenCalled();
  });
});
