/**
 * The gateway's WebSocket limits on a real platform, with raw sockets where the test must break the
 * protocol: a message over the size limit closes with 1009 and is never buffered (the flood comes
 * from another process, so this process's memory is the gateway's), a socket without
 * connection_init in time closes with 4408, a bad or expired token with 4401 before any ack, a client past
 * its open-socket limit with 4429 — and a client minding its own business sees none of it.
 */
import { execFile } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signToken } from '../gateway/plugins/http/auth/token';
import { websocketRefusals } from '../platform/metrics';
import { eventually } from './support/eventually';
import { startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';

const MAX_CONNECTIONS = 3;
const INIT_TIMEOUT_MS = 10_000;
const PROTOCOL = 'graphql-transport-ws';

interface RawSocket {
  socket: WebSocket;
  messages: { type: string }[];
  closed: Promise<{ code: number; reason: string }>;
}

function rawSocket(url: string): Promise<RawSocket> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'), PROTOCOL);
  const messages: { type: string }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
  socket.on('error', () => undefined); // the close event says what happened
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('error', reject);
  });
}

/**
 * Opens `sockets` WebSockets from a child process; on each, once the gateway has acknowledged a
 * small connection_init, sends a message of `bytes` bytes. Resolves with the close code each one
 * got. (Sending the big message as the connection_init would race the init timeout on a busy
 * machine: a stalled event loop runs the expired timer before it reads the frame.)
 */
function floodFromAnotherProcess(url: string, sockets: number, bytes: number): Promise<number[]> {
  const script = `
    const WebSocket = require('ws');
    const [url, sockets, bytes] = process.argv.slice(1);
    const frame = JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ __typename }', extensions: { pad: 'x'.repeat(Number(bytes)) } } });
    const codes = [];
    setTimeout(() => { console.log(JSON.stringify(codes)); process.exit(1); }, 60000).unref();
    for (let i = 0; i < Number(sockets); i++) {
      const socket = new WebSocket(url, '${PROTOCOL}');
      socket.on('error', () => undefined);
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
      socket.on('message', (data) => {
        if (JSON.parse(String(data)).type === 'connection_ack') socket.send(frame, () => undefined);
      });
      socket.on('close', (code) => {
        codes.push(code);
        if (codes.length === Number(sockets)) { console.log(JSON.stringify(codes)); process.exit(0); }
      });
    }
  `;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script, url.replace(/^http/, 'ws'), String(sockets), String(bytes)],
      { cwd: process.cwd(), timeout: 90_000 },
      (error, stdout) => {
        if (error) reject(new Error(`flood client failed: ${error.message} ${stdout}`));
        else resolve(JSON.parse(stdout) as number[]);
      },
    );
  });
}

function connected(url: string, token: string | undefined, closes: number[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      lazy: false,
      retryAttempts: 0,
      on: {
        connected: () => resolve(client),
        closed: (event) => {
          closes.push((event as { code: number }).code);
          reject(event);
        },
      },
    });
  });
}

function query(client: Client): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe({ query: '{ __typename }' }, { next: (value) => (result = value), error: reject, complete: () => resolve(result) });
  });
}

// Full collections on demand, so that samples count memory the gateway holds, not garbage (what
// ws reads and drops after refusing a message) that a later collection would free anyway.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Bytes this process still holds on its heap and in Buffers (the gateway runs in it; the flood does not). */
function liveMemory(): number {
  // The first collection finds the garbage, the second frees Buffers' backing stores.
  collectGarbage();
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function refusals(reason: string): Promise<number> {
  const metric = await websocketRefusals.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

describe('WebSocket limits at the gateway', () => {
  let t: TestPlatform;
  let bystander: Client;
  const bystanderCloses: number[] = [];

  beforeAll(async () => {
    t = await startTestPlatform(
      { seed: 19, users: 20, products: 60, orders: 40 },
      // A longer init timeout than the 3 s default: the other tests' sockets must get their init in
      // on time even while the flood test's full garbage collections stall this process on a busy machine.
      {
        config: {
          websocket: { maxPayloadBytes: 64 * 1024, connectionInitTimeoutMs: INIT_TIMEOUT_MS, maxConnectionsPerClient: MAX_CONNECTIONS },
        },
      },
    );
    bystander = await connected(t.url, await t.token('user-0010'), bystanderCloses);
  });

  afterAll(async () => {
    await bystander?.dispose();
    await t?.close();
  });

  it('closes sockets whose message is over 64 KiB with 1009 without buffering them', async () => {
    const bytes = 5 * 1024 * 1024;
    const before = liveMemory();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, liveMemory())), 100);
    const refusedBefore = await refusals('message_too_large');
    try {
      expect(await floodFromAnotherProcess(t.url, 3, bytes)).toEqual([1009, 1009, 1009]);
    } finally {
      clearInterval(sampler);
    }
    // Buffered, three 5 MB messages would hold up to 15 MB here; refused from their headers, nothing is kept.
    expect(peak - before).toBeLessThan(bytes);
    expect(await refusals('message_too_large')).toBe(refusedBefore + 3);
  });

  it(`closes a socket that sends no connection_init within ${INIT_TIMEOUT_MS / 1000} s with 4408`, async () => {
    const { closed, messages } = await rawSocket(t.url);
    expect(await closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(messages).toEqual([]);
  });

  it('closes with 4401 before any ack when the token is bad or expired', async () => {
    const expired = await signToken(TEST_JWT_SECRET, { userId: 'user-0011', expiresIn: '1h ago' });
    for (const [authorization, reason] of [
      ['Bearer not-a-jwt', 'The bearer token is not valid'],
      [`Bearer ${expired}`, 'The bearer token has expired'],
      ['Basic dXNlcjpwYXNz', 'The Authorization header must be "Bearer <token>"'],
    ]) {
      const { socket, closed, messages } = await rawSocket(t.url);
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
      expect(await closed).toEqual({ code: 4401, reason });
      expect(messages).toEqual([]);
    }
  });

  it(`refuses a client's socket past ${MAX_CONNECTIONS} open ones with 4429, and counts it free again once one closes`, async () => {
    const token = await t.token('user-0012');
    const closes: number[] = [];
    const open: Client[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) open.push(await connected(t.url, token, closes));

    const { socket, closed, messages } = await rawSocket(t.url);
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    expect(await closed).toEqual({ code: 4429, reason: `Too many open connections for this client: at most ${MAX_CONNECTIONS}` });
    expect(messages).toEqual([]);

    // The client's open sockets, and other users, are untouched.
    expect(await query(open[0])).toEqual({ data: { __typename: 'Query' } });
    const other = await connected(t.url, await t.token('user-0013'), closes);
    expect(await query(other)).toEqual({ data: { __typename: 'Query' } });
    expect(closes).toEqual([]);

    // Once one of its sockets is gone, the client may open another.
    await open.pop()!.dispose();
    const again = await eventually(
      async () => connected(t.url, token, []).catch(() => undefined),
      (client) => client !== undefined,
      10_000,
    );
    expect(again).toBeDefined();
    for (const client of [...open, other, again!]) await client.dispose();
  });

  it('lets an anonymous socket run public queries; a subscription that needs a user fails alone', async () => {
    const closes: number[] = [];
    const anonymous = await connected(t.url, undefined, closes);
    const errors = await new Promise<readonly { message: string; extensions?: Record<string, unknown> }[]>((resolve, reject) => {
      let received: readonly { message: string; extensions?: Record<string, unknown> }[] = [];
      anonymous.subscribe(
        { query: 'subscription { recommendationsUpdated(userId: "user-0001") { trigger } }' },
        {
          // The refusal arrives as a result with errors (no data), then the operation completes.
          next: (result) => (result.data ? reject(new Error('an anonymous client received an update')) : (received = result.errors ?? [])),
          error: reject,
          complete: () => resolve(received),
        },
      );
    });
    expect(errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await query(anonymous)).toEqual({ data: { __typename: 'Query' } });
    expect(closes).toEqual([]);
    await anonymous.dispose();
  });

  it('leaves a well-behaved client connected through all of it', async () => {
    expect(bystanderCloses).toEqual([]);
    expect(await query(bystander)).toEqual({ data: { __typename: 'Query' } });
  });
});
