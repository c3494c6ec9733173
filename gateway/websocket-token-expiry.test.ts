/**
 * A graphql-ws socket lives no longer than the token it was opened with: a real gateway (no
 * subgraph needed: `{ __typename }` is answered by the gateway itself) and a real graphql-ws client.
 * The socket closes with 4401 at the token's exp, for tokens signed with JWT_SECRET and with an
 * identity provider's key (JWKS) alike, and a fresh socket with a fresh token works. What must not
 * depend on the wall clock (a subscribe message after exp, a token good for longer than setTimeout
 * can wait) runs on a clock the test moves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { startGatewayAlone } from '../test/support/gateway-alone';
import { signToken, TOKEN_AUDIENCE, TOKEN_EXPIRED, TOKEN_ISSUER } from './plugins/http/auth/token';
import type { GatewayOptions, RunningGateway } from './server';

const SECRET = 'websocket-expiry-secret';
const DAY_MS = 24 * 3600_000;
/** How long after exp the test waits for the close before it calls the socket left open. */
const CLOSE_WAIT_MS = 5_000;

const start = (options: Partial<GatewayOptions>) =>
  startGatewayAlone({ jwtSecret: SECRET, subscriptionLimits: { perConnection: 5, total: 50 }, ...options });

interface Connection {
  client: Client;
  /** When the gateway acknowledged connection_init. */
  acked: Promise<number>;
  /** The close the client saw, and when. */
  closed: Promise<{ code: number; reason: string; at: number }>;
}

function connect(gateway: RunningGateway, token: string): Connection {
  let acked!: (at: number) => void;
  let refused!: (error: Error) => void;
  let closed!: (event: { code: number; reason: string; at: number }) => void;
  const connection = {
    acked: new Promise<number>((resolve, reject) => ((acked = resolve), (refused = reject))),
    closed: new Promise<{ code: number; reason: string; at: number }>((resolve) => (closed = resolve)),
  };
  const client = createClient({
    url: gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    // Errors surface as the close below.
    onNonLazyError: () => undefined,
    on: {
      connected: () => acked(Date.now()),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        refused(new Error(`closed before the ack: ${code} ${reason}`)); // nothing once acknowledged
        closed({ code, reason: String(reason), at: Date.now() });
      },
    },
  });
  return { client, ...connection };
}

function query(client: Client): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe({ query: '{ __typename }' }, { next: (value) => (result = value), error: reject, complete: () => resolve(result) });
  });
}

/** The close, or a failure naming how long after exp the socket was still open. */
function closedAfter<T>(closed: Promise<T>, exp: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the socket is still open ${CLOSE_WAIT_MS} ms after its token's exp`)),
      Math.max(0, exp - Date.now()) + CLOSE_WAIT_MS,
    );
  });
  return Promise.race([closed, late]).finally(() => clearTimeout(timer));
}

/** Waits for the next whole second: a token minted then for "2s" lives 2 s, not anywhere from 1 to 2 (exp is in seconds). */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000)));

/** A raw graphql-transport-ws socket, acknowledged, for what a graphql-ws client would hide. */
async function rawSocket(gateway: RunningGateway, token: string) {
  const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: { type: string }[] = [];
  socket.on('error', () => undefined); // the close event says what happened
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const ack = new Promise((resolve) => socket.once('message', resolve));
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  expect(JSON.parse(String(await ack))).toEqual({ type: 'connection_ack' });
  messages.length = 0;
  return { socket, messages, closed };
}

describe('a WebSocket session ends with its token', () => {
  let jwks: http.Server;
  let signWithProvider: (expiresIn: string) => Promise<string>;
  let withSecret: RunningGateway;
  let withProvider: RunningGateway;
  let offset = 0;
  let movedClock: RunningGateway;

  beforeAll(async () => {
    // An identity provider: its key pair, and its public key published over HTTP on loopback.
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'provider-key', use: 'sig', alg: 'ES256' };
    jwks = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    signWithProvider = (expiresIn) =>
      new SignJWT({ roles: ['customer'] })
        .setProtectedHeader({ alg: 'ES256', kid: 'provider-key' })
        .setSubject('user-0002')
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey);
    [withSecret, withProvider, movedClock] = await Promise.all([
      start({}),
      start({ jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` }),
      start({ now: () => Date.now() + offset }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([withSecret?.close(), withProvider?.close(), movedClock?.close()]);
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it.each([
    ['signed with JWT_SECRET', () => withSecret, (expiresIn: string) => signToken(SECRET, { userId: 'user-0001', expiresIn })],
    ['signed by an identity provider (JWKS)', () => withProvider, (expiresIn: string) => signWithProvider(expiresIn)],
  ])('closes the socket with 4401 when a token %s expires; a fresh token opens a fresh socket', async (_name, gateway, sign) => {
    await nextSecond();
    const token = await sign('2s');
    const exp = decodeJwt(token).exp! * 1000;
    const expiring = connect(gateway(), token);
    expect(await expiring.acked).toBeLessThan(exp);
    const closed = await closedAfter(expiring.closed, exp);
    expect({ code: closed.code, reason: closed.reason }).toEqual({ code: 4401, reason: TOKEN_EXPIRED });
    // Not before exp: the gateway decides on its clock, and the client hears of it later.
    expect(closed.at).toBeGreaterThanOrEqual(exp);
    await expiring.client.dispose();

    const fresh = connect(gateway(), await sign('1h'));
    await fresh.acked;
    expect(await query(fresh.client)).toEqual({ data: { __typename: 'Query' } });
    await fresh.client.dispose();
  });

  it('keeps a socket whose token is good for longer than setTimeout can wait, and refuses its subscribe once exp has passed', async () => {
    const overflows: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'TimeoutOverflowWarning') overflows.push(warning);
    };
    process.on('warning', onWarning);
    try {
      // 60 days: past setTimeout's 2^31-1 ms (24.8 days), which Node would turn into 1 ms.
      offset = 0;
      const { socket, messages, closed } = await rawSocket(movedClock, await signToken(SECRET, { userId: 'user-0003', expiresIn: '60d' }));
      socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ __typename }' } }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(messages).toEqual([
        { type: 'next', id: '1', payload: { data: { __typename: 'Query' } } },
        { type: 'complete', id: '1' },
      ]);
      expect(socket.readyState).toBe(WebSocket.OPEN);

      // The clock passes exp while the socket's timer still waits (as a late timer on a busy loop would).
      offset = 61 * DAY_MS;
      messages.length = 0;
      socket.send(JSON.stringify({ type: 'subscribe', id: '2', payload: { query: '{ __typename }' } }));
      expect(await closedAfter(closed, Date.now())).toEqual({ code: 4401, reason: TOKEN_EXPIRED });
      expect(messages.filter((message) => message.type === 'next')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      offset = 0;
    }
    expect(overflows).toEqual([]);
  });
});
