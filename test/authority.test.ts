/**
 * Reaching a subgraph without the gateway grants nothing: every subgraph is called directly, on
 * its real port, with no claims, forged claims, and real claims replayed, redirected, stale or
 * put on another body. `_entities` without authority gives no private data. Through the
 * gateway the same data stays readable for its owner and admins.
 */
import { rootLogger } from '../platform/logger';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import WebSocket from 'ws';
import { SubgraphSource } from '../gateway/pipeline/apollo-adapter';
import type { RequestState } from '../gateway/pipeline/request-state';
import { Pipeline } from '../gateway/pipeline/runner';
import { subgraphFetchPlugins } from '../gateway/plugins/subgraph-fetch';
import { claimsHeaders, signClaims, CLAIMS_HEADER, CLAIMS_LIFETIME_S } from '../platform/forwarded-claims';
import type { SubgraphName } from '../platform/services';
import type { Viewer } from '../platform/viewer';
import { startTestPlatform, type TestPlatform } from './support/platform';

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const ALICE: Viewer = { userId: 'user-0001', roles: ['customer'] };
const BOB: Viewer = { userId: 'user-0002', roles: ['customer'] };
const ADMIN: Viewer = { userId: 'user-0003', roles: ['admin'] };

const USER_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id name email segment } } }`;
const ORDER_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Order { id user { id } total { amount } items { quantity } } } }`;
const ORDER_PAYMENT_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Order { id payment { id status } } } }`;
const PAYMENT_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Payment { id status amount { amount } } } }`;
const USER_ORDERS_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id orders(first: 5) { edges { node { id } } } } } }`;
const USER_RECOMMENDATIONS_ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id recommendations(first: 3) { score } } } }`;

const users = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'User', id })) });
const entities = (typename: string, ...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: typename, id })) });

describe('authority: subgraphs called directly', () => {
  let test: TestPlatform;
  let orderId: string;
  let paymentId: string;

  const urlOf = (name: SubgraphName) => test.platform.subgraphs[name].url;
  const secret = () => test.platform.config.internalSecret;

  /** POSTs a GraphQL request to a subgraph, as is, with the given headers. */
  async function post(name: SubgraphName, body: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(urlOf(name), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const json = (await response.json()) as Omit<Answer, 'status'>;
    return { status: response.status, ...json };
  }

  /** A request exactly as the gateway would send it for `viewer` (what an eavesdropper could capture). */
  async function signed(name: SubgraphName, query: string, variables: Record<string, unknown>, viewer: Viewer) {
    const body = JSON.stringify({ query, variables });
    const headers = await claimsHeaders(viewer, { secret: secret(), issuer: 'gateway', audience: name, body });
    return { body, headers };
  }

  beforeAll(async () => {
    test = await startTestPlatform();
    const alice = test.client(await test.token(ALICE.userId!));
    orderId = await test.placeOrder(await test.token(ALICE.userId!), `authority-${crypto.randomUUID()}`);
    const paid = await alice.request<{ payOrder: { id: string; status: string } }>(
      'mutation ($input: PayOrderInput!) { payOrder(input: $input) { id status } }',
      { input: { orderId, idempotencyKey: `pay-${crypto.randomUUID()}`, cardNumber: '4242424242424242' } },
    );
    paymentId = paid.payOrder.id;
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('with no claims at all', () => {
    it('users: _entities gives null for every account, root fields ask to sign in', async () => {
      const answer = await post('users', JSON.stringify({ query: USER_ENTITIES, variables: users('user-0001', 'user-0002', 'user-0003') }));
      expect(answer.status).toBe(200);
      expect(answer.data).toEqual({ _entities: [null, null, null] });
      expect(JSON.stringify(answer)).not.toMatch(/@/);
      for (const query of ['{ me { email } }', '{ user(id: "user-0001") { email } }', '{ users { edges { node { email } } } }']) {
        const root = await post('users', JSON.stringify({ query }));
        expect([query, root.errors?.[0]?.extensions?.code]).toEqual([query, 'UNAUTHENTICATED']);
        expect(JSON.stringify(root.data ?? null)).not.toMatch(/@/);
      }
    });

    it('orders: no order by reference, no order list of a user', async () => {
      const byReference = await post('orders', JSON.stringify({ query: ORDER_ENTITIES, variables: entities('Order', orderId) }));
      expect(byReference.data).toEqual({ _entities: [null] });
      const list = await post('orders', JSON.stringify({ query: USER_ORDERS_ENTITIES, variables: users('user-0001') }));
      expect(list.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(list.data ?? null)).not.toContain(orderId);
      const root = await post('orders', JSON.stringify({ query: `{ order(id: "${orderId}") { id } }` }));
      expect(root.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('payments: no payment by reference, no payment of an order', async () => {
      const payment = await post('payments', JSON.stringify({ query: PAYMENT_ENTITIES, variables: entities('Payment', paymentId) }));
      expect(payment.data).toEqual({ _entities: [null] });
      const ofOrder = await post('payments', JSON.stringify({ query: ORDER_PAYMENT_ENTITIES, variables: entities('Order', orderId) }));
      expect(ofOrder.data).toEqual({ _entities: [{ id: orderId, payment: null }] });
    });

    it("recommendations: no user's recommendations", async () => {
      const answer = await post('recommendations', JSON.stringify({ query: USER_RECOMMENDATIONS_ENTITIES, variables: users('user-0001') }));
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('products: the catalogue stays public, reserving stock does not', async () => {
      const answer = await post('products', JSON.stringify({ query: '{ products(first: 2) { edges { node { id name } } } }' }));
      expect((answer.data as { products: { edges: unknown[] } }).products.edges).toHaveLength(2);
      const reserve = await post(
        'products',
        JSON.stringify({ query: 'mutation { reserveStock(reservationId: "x", items: [{ productId: "p", quantity: 1 }]) { productId } }' }),
      );
      expect(reserve.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('with claims', () => {
    it('a valid request is answered for its viewer: self and admins read the account, others get null', async () => {
      for (const [viewer, expected] of [
        [ALICE, ['user-0001', null]],
        [ADMIN, ['user-0001', 'user-0002']],
        [BOB, [null, 'user-0002']],
      ] as const) {
        const { body, headers } = await signed('users', USER_ENTITIES, users('user-0001', 'user-0002'), viewer);
        const answer = await post('users', body, headers);
        const ids = (answer.data as { _entities: ({ id: string; email: string } | null)[] })._entities.map((user) => user?.id ?? null);
        expect([viewer.userId, ids]).toEqual([viewer.userId, expected]);
      }
    });

    it('refuses forged claims with 401 UNAUTHENTICATED', async () => {
      const body = JSON.stringify({ query: USER_ENTITIES, variables: users('user-0001') });
      const forged = await signClaims(ADMIN, { secret: 'a-guessed-secret', issuer: 'gateway', audience: 'users', channel: 'http', body });
      const answer = await post('users', body, { [CLAIMS_HEADER]: forged });
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.data).toBeUndefined();
      // The headers of the old scheme mean nothing any more: that caller is anonymous.
      const oldScheme = await post('users', body, {
        'x-viewer-id': 'user-0001',
        'x-viewer-roles': 'admin',
        'x-viewer-signature': 'ab'.repeat(32),
      });
      expect(oldScheme.data).toEqual({ _entities: [null] });
      const garbage = await post('users', body, { [CLAIMS_HEADER]: 'not.a.token' });
      expect(garbage.status).toBe(401);
      // A GET carries its operation in the URL, which no token covers.
      const valid = await signed('users', '{ me { email } }', {}, ALICE);
      const get = await fetch(`${urlOf('users')}?query=${encodeURIComponent('{ me { email } }')}`, {
        headers: { ...valid.headers, 'apollo-require-preflight': 'true' },
      });
      expect(get.status).toBe(401);
    });

    it('refuses a captured header replayed, on the same subgraph or another', async () => {
      const { body, headers } = await signed('users', USER_ENTITIES, users('user-0001'), ADMIN);
      const first = await post('users', body, headers);
      expect(first.status).toBe(200);
      expect((first.data as { _entities: { email: string }[] })._entities[0].email).toMatch(/@/);
      const replayed = await post('users', body, headers);
      expect(replayed.status).toBe(401);
      expect(replayed.errors?.[0]?.message).toMatch(/already used/);
      expect(replayed.data).toBeUndefined();

      const forOrders = await signed('users', ORDER_ENTITIES, entities('Order', orderId), ADMIN);
      const elsewhere = await post('orders', forOrders.body, forOrders.headers);
      expect(elsewhere.status).toBe(401);
      expect(elsewhere.errors?.[0]?.message).toMatch(/aud/);
    });

    it("refuses a replay of what the gateway's own data source sent", async () => {
      // Let the gateway's data source send to an eavesdropper instead of the subgraph.
      const captured: { headers?: http.IncomingHttpHeaders; body?: string } = {};
      const eavesdropper = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          Object.assign(captured, { headers: req.headers, body });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ data: { _entities: [] } }));
        });
      });
      await new Promise<void>((resolve) => eavesdropper.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = eavesdropper.address() as AddressInfo;
        const source = new SubgraphSource({
          name: 'users',
          url: `http://127.0.0.1:${port}/graphql`,
          timeoutMs: 10_000,
          pipeline: new Pipeline(subgraphFetchPlugins({ internalSecret: secret(), log: rootLogger })),
        });
        // The enum GraphQLDataSourceRequestKind is not exported at run time; its value is this string.
        await source.process({
          kind: 'health check',
          request: { query: USER_ENTITIES, variables: users('user-0001', 'user-0002') },
          context: { viewer: ADMIN },
        } as unknown as GraphQLDataSourceProcessOptions<RequestState>);
      } finally {
        await new Promise((resolve) => eavesdropper.close(resolve));
      }
      const token = captured.headers?.[CLAIMS_HEADER];
      expect(typeof token).toBe('string');
      // Nothing but the signed token leaves the gateway.
      expect(Object.keys(captured.headers ?? {}).filter((name) => name.startsWith('x-'))).toEqual([CLAIMS_HEADER]);
      const first = await post('users', captured.body!, { [CLAIMS_HEADER]: token as string });
      expect((first.data as { _entities: { id: string }[] })._entities.map((user) => user.id)).toEqual(['user-0001', 'user-0002']);
      const again = await post('users', captured.body!, { [CLAIMS_HEADER]: token as string });
      expect(again.status).toBe(401);
    });

    it('refuses expired claims', async () => {
      const body = JSON.stringify({ query: PAYMENT_ENTITIES, variables: entities('Payment', paymentId) });
      const stale = await claimsHeaders(ALICE, {
        secret: secret(),
        issuer: 'gateway',
        audience: 'payments',
        body,
        now: Math.floor(Date.now() / 1000) - CLAIMS_LIFETIME_S - 10,
      });
      const answer = await post('payments', body, stale);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.message).toMatch(/expired/);
    });

    it('refuses claims put on another body', async () => {
      const { headers } = await signed('users', '{ me { id } }', {}, BOB);
      const tampered = JSON.stringify({ query: USER_ENTITIES, variables: users('user-0001') });
      const answer = await post('users', tampered, headers);
      expect(answer.status).toBe(401);
      expect(answer.errors?.[0]?.message).toMatch(/body does not match/);
    });
  });

  describe('subscriptions (graphql-ws on the recommendations subgraph)', () => {
    /** Opens a socket, sends connection_init with `payload`, resolves with the ack or the close code. */
    function connect(payload: Record<string, unknown>): Promise<{ ack: boolean; code?: number; socket: WebSocket }> {
      const socket = new WebSocket(urlOf('recommendations').replace(/^http/, 'ws'), 'graphql-transport-ws');
      return new Promise((resolve, reject) => {
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
        socket.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve({ ack: true, socket });
        });
        socket.on('close', (code) => resolve({ ack: false, code, socket }));
        socket.on('error', reject);
      });
    }
    const wsToken = (viewer: Viewer, audience = 'recommendations') =>
      signClaims(viewer, { secret: secret(), issuer: 'gateway', audience, channel: 'ws' });

    it('closes with 4401 on forged, replayed, redirected or HTTP claims', async () => {
      const forged = await signClaims(ALICE, { secret: 'guess', issuer: 'gateway', audience: 'recommendations', channel: 'ws' });
      expect(await connect({ [CLAIMS_HEADER]: forged })).toMatchObject({ ack: false, code: 4401 });

      const token = await wsToken(ALICE);
      const first = await connect({ [CLAIMS_HEADER]: token });
      expect(first.ack).toBe(true);
      first.socket.close();
      expect(await connect({ [CLAIMS_HEADER]: token })).toMatchObject({ ack: false, code: 4401 });

      expect(await connect({ [CLAIMS_HEADER]: await wsToken(ALICE, 'orders') })).toMatchObject({ ack: false, code: 4401 });
      const httpToken = await signClaims(ALICE, { secret: secret(), issuer: 'gateway', audience: 'recommendations', channel: 'http' });
      expect(await connect({ [CLAIMS_HEADER]: httpToken })).toMatchObject({ ack: false, code: 4401 });
    });

    it("without claims, a user's updates are refused", async () => {
      const { ack, socket } = await connect({});
      expect(ack).toBe(true);
      // A refused subscribe comes back as one result with errors (graphql-ws "next"), or an "error" message.
      const error = await new Promise<{ extensions?: { code?: string } }[]>((resolve) => {
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
          if (message.type === 'error') resolve(message.payload as { extensions?: { code?: string } }[]);
          if (message.type === 'next') resolve((message.payload as { errors?: { extensions?: { code?: string } }[] }).errors ?? []);
        });
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: 'subscription { recommendationsUpdated(userId: "user-0001") { userId } }' },
          }),
        );
      });
      socket.close();
      expect(error[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('through the gateway', () => {
    it('the owner and admins still read accounts, orders and payments across subgraphs', async () => {
      const query = `query ($id: ID!) { order(id: $id) { id user { id name email } payment { id status } } }`;
      for (const viewer of [ALICE, ADMIN]) {
        const client = test.client(await test.token(viewer.userId!, viewer.roles));
        const { order } = await client.request<{ order: { id: string; user: { id: string; email: string }; payment: { id: string } } }>(
          query,
          { id: orderId },
        );
        expect(order).toMatchObject({ id: orderId, user: { id: 'user-0001' }, payment: { id: paymentId } });
        expect(order.user.email).toMatch(/@/);
      }
      const bob = test.client(await test.token(BOB.userId!));
      await expect(bob.request<{ order: unknown }>(query, { id: orderId })).resolves.toEqual({ order: null });
    });
  });
});
