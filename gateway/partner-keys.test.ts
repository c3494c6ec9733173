import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { newApiKey } from '../platform/api-keys';
import { eventually } from '../test/support/eventually';
import pino from 'pino';
import { createPartnerKeys, PartnerKeysUnavailable } from './partner-keys';

const log = pino({ level: 'silent' });

/** A stand-in users subgraph: answers every key check with `answer`, or never when `answer` is 'hang'. */
async function usersStub(answer: Record<string, unknown> | 'hang') {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(body);
      if (answer === 'hang') return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { partnerByApiKey: answer } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const VALID = {
  outcome: 'valid',
  partnerId: 'p1',
  partnerName: 'acme',
  userId: 'u1',
  requestsPerMinute: 60,
  costBudget: 100,
  expiresAt: null,
};

const keysFor = (usersUrl: string, cacheTtlMs = 60_000, timeoutMs = 2_000) =>
  createPartnerKeys({ usersUrl, internalSecret: 'secret', cacheTtlMs, timeoutMs, log });

describe('partner key checks at the gateway', () => {
  it('refuses a missing or malformed key without asking the users subgraph', async () => {
    const stub = await usersStub(VALID);
    try {
      const keys = keysFor(stub.url);
      expect(await keys.check(undefined)).toEqual({ outcome: 'missing' });
      expect(await keys.check('')).toEqual({ outcome: 'missing' });
      expect(await keys.check('pk_live_nope')).toEqual({ outcome: 'unknown' });
      expect(stub.requests).toHaveLength(0);
    } finally {
      await stub.close();
    }
  });

  it('asks once for concurrent and repeated checks of one key, with service claims', async () => {
    const stub = await usersStub(VALID);
    try {
      const keys = keysFor(stub.url);
      const { key } = newApiKey();
      const answers = await Promise.all([keys.check(key), keys.check(key), keys.check(key)]);
      await keys.check(key);
      expect(answers[0]).toEqual({
        outcome: 'valid',
        partner: { id: 'p1', name: 'acme', userId: 'u1', requestsPerMinute: 60, costBudget: 100 },
      });
      expect(stub.requests).toHaveLength(1);
      expect(JSON.parse(stub.requests[0])).toMatchObject({ variables: { key } });
    } finally {
      await stub.close();
    }
  });

  it('remembers a refusal too', async () => {
    const stub = await usersStub({ ...VALID, outcome: 'revoked' });
    try {
      const keys = keysFor(stub.url);
      const { key } = newApiKey();
      expect(await keys.check(key)).toEqual({ outcome: 'revoked' });
      expect(await keys.check(key)).toEqual({ outcome: 'revoked' });
      expect(stub.requests).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it('asks again once the TTL has passed', async () => {
    const stub = await usersStub({ ...VALID, outcome: 'revoked' });
    try {
      const keys = keysFor(stub.url, 50);
      const { key } = newApiKey();
      expect(await keys.check(key)).toEqual({ outcome: 'revoked' });
      // No clock is assumed: however slow the machine, some later check is past the 50 ms and asks.
      await eventually(
        async () => {
          await keys.check(key);
          return stub.requests.length;
        },
        (asked) => asked >= 2,
      );
    } finally {
      await stub.close();
    }
  });

  it('treats a rotated key past its expiry as expired', async () => {
    const stub = await usersStub({ ...VALID, expiresAt: new Date(Date.now() - 1000).toISOString() });
    try {
      expect(await keysFor(stub.url).check(newApiKey().key)).toEqual({ outcome: 'expired' });
    } finally {
      await stub.close();
    }
  });

  it('is unavailable, not hung, when the users subgraph is down or does not answer in time', async () => {
    const down = keysFor('http://127.0.0.1:9/graphql');
    await expect(down.check(newApiKey().key)).rejects.toBeInstanceOf(PartnerKeysUnavailable);
    const stub = await usersStub('hang');
    try {
      const slow = keysFor(stub.url, 60_000, 100);
      await expect(slow.check(newApiKey().key)).rejects.toBeInstanceOf(PartnerKeysUnavailable);
    } finally {
      await stub.close();
    }
  });
});
