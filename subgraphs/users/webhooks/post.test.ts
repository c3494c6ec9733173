/** The pinned POST against a receiver on 127.0.0.1: it reads only the start of an answer, and never outlives its signal. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { postPinned } from './post';

let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/stall-mid-answer') {
      // Headers and part of the body, then nothing more.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' }).end('x'.repeat(100_000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path: string, signal: AbortSignal) =>
  postPinned({
    url: new URL(`http://receiver.partner.test:${port}${path}`),
    destination: { hostname: 'receiver.partner.test', address: '127.0.0.1', family: 4 },
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal,
    keepBytes: 800,
  });

describe('pinned webhook POST', () => {
  it('keeps only the start of a large answer', async () => {
    const answer = await request('/big', AbortSignal.timeout(10_000));
    expect(answer.status).toBe(500);
    expect(answer.text.length).toBeGreaterThanOrEqual(800);
    expect(answer.text.length).toBeLessThan(100_000);
  });

  it('ends when its signal does, even in the middle of an answer', async () => {
    await expect(request('/stall-mid-answer', AbortSignal.timeout(300))).rejects.toThrow();
  });
});
