/**
 * Per-subgraph settings reach the fetches they name: with GATEWAY_SUBGRAPH_TIMEOUT_MS__PRODUCTS
 * short and the default long, a stalled products subgraph is cut off at its own deadline while a
 * stalled users subgraph, fetched in the same moment, is still being waited for. Both subgraphs
 * are real HTTP servers that accept a request and never answer; the configuration goes through
 * the platform's loader and the one mapping every process uses (gateway/options-from-config.ts).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gatewayOptionsFromConfig } from '../gateway/options-from-config';
import type { RunningGateway } from '../gateway/server';
import { loadConfig } from '../platform/config';
import { startGatewayAlone } from './support/gateway-alone';

interface Stalled {
  url: string;
  /** Settles once a request has arrived (and is being left unanswered). */
  requested: Promise<void>;
  /** Ends every connection the server holds, as a crash would. */
  cut(): void;
  close(): Promise<void>;
}

async function stalledSubgraph(): Promise<Stalled> {
  const sockets = new Set<Socket>();
  let arrived!: () => void;
  const requested = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer(() => arrived());
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    requested,
    cut: () => sockets.forEach((socket) => socket.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Answer = { errors?: { extensions?: { code?: string; serviceName?: string; reason?: string } }[] };

const ask = async (gateway: RunningGateway, query: string): Promise<Answer> =>
  (await (
    await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
  ).json()) as Answer;

describe('per-subgraph settings', () => {
  let products: Stalled;
  let users: Stalled;
  let gateway: RunningGateway;

  beforeAll(async () => {
    [products, users] = await Promise.all([stalledSubgraph(), stalledSubgraph()]);
    const config = loadConfig({ GATEWAY_SUBGRAPH_TIMEOUT_MS: '60000', GATEWAY_SUBGRAPH_TIMEOUT_MS__PRODUCTS: '300' });
    const { subgraphTimeoutMs, subgraphTimeoutsMs } = gatewayOptionsFromConfig(config);
    gateway = await startGatewayAlone({
      subgraphTimeoutMs,
      subgraphTimeoutsMs,
      subgraphUrls: {
        users: users.url,
        products: products.url,
        orders: 'http://127.0.0.1:9/graphql',
        payments: 'http://127.0.0.1:9/graphql',
        recommendations: 'http://127.0.0.1:9/graphql',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await Promise.all([products?.close(), users?.close()]);
  });

  it('cuts off the subgraph with a short timeout of its own while the others keep the default', async () => {
    let usersAnswered = false;
    const usersAnswer = ask(gateway, '{ user(id: "user-0001") { name } }').then((answer) => {
      usersAnswered = true;
      return answer;
    });
    const productsAnswer = await ask(gateway, '{ product(id: "p1") { name } }');
    expect(productsAnswer.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', serviceName: 'products', reason: 'timeout' }),
    );
    // Products' 300 ms are over; users, asked first, is still within its 60 s.
    expect(usersAnswered).toBe(false);
    await users.requested;
    users.cut();
    expect((await usersAnswer).errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'SERVICE_UNAVAILABLE', serviceName: 'users', reason: 'connection_failed' }),
    );
  });
});
