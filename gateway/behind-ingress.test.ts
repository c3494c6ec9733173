/**
 * The client address a gateway deployed by the production overlay sees: a real gateway started with
 * the GATEWAY_TRUST_PROXY that k8s/overlays/production ships (read from the manifest, through the
 * one config loader), and this test in the ingress's place on loopback, sending X-Forwarded-For as
 * ingress-nginx does — its own view of the client as the last entry, after whatever the client
 * wrote itself. Anonymous clients must get a rate-limit bucket and a socket cap each, and nothing a
 * client writes into the header may move it to another bucket. Against it, the gateway as shipped
 * before (no setting): every client shares the ingress's bucket.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import YAML from 'yaml';
import { loadConfig } from '../platform/config';
import { startGatewayAlone } from '../test/support/gateway-alone';
import type { RunningGateway } from './server';
import type { TrustProxy } from './plugins/http/client-identity';

const POINTS = 3;
const CLIENT_A = '203.0.113.10';
const CLIENT_B = '198.51.100.20';

/** GATEWAY_TRUST_PROXY as the production overlay sets it, as the gateway's config loader reads it. */
function shippedTrustProxy(): TrustProxy {
  const file = path.resolve(__dirname, '..', 'k8s', 'overlays', 'production', 'config-production.yaml');
  const patch = YAML.parse(fs.readFileSync(file, 'utf8')) as { data: Record<string, string> };
  return loadConfig({ GATEWAY_TRUST_PROXY: patch.data.GATEWAY_TRUST_PROXY }).trustProxy;
}

const start = (trustProxy: TrustProxy) =>
  startGatewayAlone({
    subscriptionLimits: { perConnection: 1, total: 10 },
    rateLimit: { enabled: true, points: POINTS, windowSeconds: 600 },
    websocket: { maxPayloadBytes: 64 * 1024, connectionInitTimeoutMs: 3_000, maxConnectionsPerClient: 1 },
    trustProxy,
  });

/** One request as it leaves the ingress: the status and the client's remaining budget. */
async function viaIngress(gateway: RunningGateway, forwardedFor: string) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await response.arrayBuffer();
  return { status: response.status, remaining: Number(response.headers.get('ratelimit-remaining')) };
}

/** A graphql-ws socket through the ingress; resolves with 'acked' or the close code it got. */
function socketViaIngress(gateway: RunningGateway, forwardedFor: string, opened: WebSocket[]): Promise<'acked' | number> {
  const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
    headers: { 'x-forwarded-for': forwardedFor },
  });
  opened.push(socket);
  socket.on('error', () => undefined); // the close event says what happened
  return new Promise((resolve) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve('acked');
    });
    socket.on('close', (code) => resolve(code));
  });
}

describe('the client address behind the production ingress', () => {
  it('ships one trusted hop, for the ingress', () => {
    expect(shippedTrustProxy()).toBe(1);
  });

  describe('with the shipped setting', () => {
    let gateway: RunningGateway;
    const sockets: WebSocket[] = [];

    beforeAll(async () => {
      gateway = await start(shippedTrustProxy());
    });

    afterAll(async () => {
      for (const socket of sockets) socket.terminate();
      await gateway?.close();
    });

    it('gives each client its own rate-limit bucket, and believes nothing a client writes before the ingress entry', async () => {
      for (let i = POINTS - 1; i >= 0; i--) expect(await viaIngress(gateway, CLIENT_A)).toEqual({ status: 200, remaining: i });
      expect((await viaIngress(gateway, CLIENT_A)).status).toBe(429);
      // Another client is untouched by A's spending.
      expect(await viaIngress(gateway, CLIENT_B)).toEqual({ status: 200, remaining: POINTS - 1 });
      // A writes X-Forwarded-For itself (ingress-nginx with compute-full-forwarded-for keeps it and
      // appends what it saw): neither B's address nor a made-up one gets A a fresh budget.
      expect((await viaIngress(gateway, `${CLIENT_B}, ${CLIENT_A}`)).status).toBe(429);
      expect((await viaIngress(gateway, `192.0.2.77, ${CLIENT_A}`)).status).toBe(429);
      expect(await viaIngress(gateway, CLIENT_B)).toEqual({ status: 200, remaining: POINTS - 2 });
    });

    it('caps open sockets per client, not per ingress', async () => {
      // Rate-limit budgets of their own, so the cap is what is tested.
      const [c, d] = ['203.0.113.30', '198.51.100.40'];
      expect(await socketViaIngress(gateway, c, sockets)).toBe('acked');
      expect(await socketViaIngress(gateway, d, sockets)).toBe('acked');
      expect(await socketViaIngress(gateway, `${d}, ${c}`, sockets)).toBe(4429);
    });
  });

  it('without it (as shipped before), every client shares the ingress pod address', async () => {
    const gateway = await start(false);
    try {
      for (let i = 0; i < POINTS; i++) await viaIngress(gateway, CLIENT_A);
      expect((await viaIngress(gateway, CLIENT_B)).status).toBe(429);
    } finally {
      await gateway.close();
    }
  });
});
