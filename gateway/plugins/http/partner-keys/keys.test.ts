import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { newApiKey } from '../../../../platform/api-keys';
import { eventually } from '../../../../test/support/eventually';
import pino from 'pino';
import { createPartnerKeys, lookupAllowanceKey, PartnerKeysBusy, PartnerKeysUnavailable } from './keys';
import { createRateLimiter } from '../rate-limit/limiter';

const log = pino({ level: 'silent' });

type StubAnswer = Record<string, unknown> | 'hang';

/** A stand-in users subgraph: answers every key check with `answer` (or what it gives for the key), or never when 'hang'. */
async function usersStub(answer: StubAnswer | ((key: string) => StubAnswer)) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(body);
      const given = typeof answer === 'function' ? answer((JSON.parse(body) as { variables: { key: string } }).variables.key) : answer;
      if (given === 'hang') return;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { partnerByApiKey: given } }));
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
  createPartnerKeys({ usersUrl, internalSecret: 'secret', cacheTtlMs, timeoutMs, maxConcurrentLookups: 16, log });
const CLIENT = 'ip:127.0.0.1';

describe('partner key checks at the gateway', () => {
  it('refuses a missing or malformed key without asking the users subgraph', async () => {
    const stub = await usersStub(VALID);
    try {
      const keys = keysFor(stub.url);
      expect(await keys.check(undefined, CLIENT)).toEqual({ outcome: 'missing' });
      expect(await keys.check('', CLIENT)).toEqual({ outcome: 'missing' });
      expect(await keys.check('pk_live_nope', CLIENT)).toEqual({ outcome: 'unknown' });
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
      const answers = await Promise.all([keys.check(key, CLIENT), keys.check(key, CLIENT), keys.check(key, CLIENT)]);
      await keys.check(key, CLIENT);
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
      expect(await keys.check(key, CLIENT)).toEqual({ outcome: 'revoked' });
      expect(await keys.check(key, CLIENT)).toEqual({ outcome: 'revoked' });
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
      expect(await keys.check(key, CLIENT)).toEqual({ outcome: 'revoked' });
      // No clock is assumed: however slow the machine, some later check is past the 50 ms and asks.
      await eventually(
        async () => {
          await keys.check(key, CLIENT);
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
      expect(await keysFor(stub.url).check(newApiKey().key, CLIENT)).toEqual({ outcome: 'expired' });
    } finally {
      await stub.close();
    }
  });

  it('is unavailable, not hung, when the users subgraph is down or does not answer in time', async () => {
    const down = keysFor('http://127.0.0.1:9/graphql');
    await expect(down.check(newApiKey().key, CLIENT)).rejects.toBeInstanceOf(PartnerKeysUnavailable);
    const stub = await usersStub('hang');
    try {
      const slow = keysFor(stub.url, 60_000, 100);
      await expect(slow.check(newApiKey().key, CLIENT)).rejects.toBeInstanceOf(PartnerKeysUnavailable);
    } finally {
      await stub.close();
    }
  });

  it('keeps valid keys apart from refusals: a flood of unknown keys evicts no live key', async () => {
    const { key: live } = newApiKey();
    const stub = await usersStub((key) => (key === live ? VALID : { ...VALID, outcome: 'unknown', partnerId: null }));
    try {
      const keys = createPartnerKeys({
        usersUrl: stub.url,
        internalSecret: 'secret',
        cacheTtlMs: 60_000,
        timeoutMs: 2_000,
        maxConcurrentLookups: 16,
        maxRefusals: 5,
        log,
      });
      expect((await keys.check(live, CLIENT)).outcome).toBe('valid');
      for (let i = 0; i < 20; i++) expect(await keys.check(newApiKey().key, CLIENT)).toEqual({ outcome: 'unknown' });
      expect(stub.requests).toHaveLength(21);
      expect((await keys.check(live, CLIENT)).outcome).toBe('valid');
      expect(stub.requests).toHaveLength(21);
    } finally {
      await stub.close();
    }
  });

  it("throttles an address's unknown keys before any lookup, and never counts a valid key against it", async () => {
    const valid = new Set<string>();
    const stub = await usersStub((key) => (valid.has(key) ? VALID : { ...VALID, outcome: 'unknown', partnerId: null }));
    try {
      const lookupLimiter = createRateLimiter({ points: 3, windowSeconds: 60 }, { keyPrefix: 'unit-lookups', log });
      const keys = createPartnerKeys({
        usersUrl: stub.url,
        internalSecret: 'secret',
        cacheTtlMs: 60_000,
        timeoutMs: 2_000,
        maxConcurrentLookups: 16,
        lookupLimiter,
        log,
      });
      // A partner re-checking its keys from the same address spends nothing.
      for (let i = 0; i < 5; i++) {
        const { key } = newApiKey();
        valid.add(key);
        expect((await keys.check(key, 'ip:192.0.2.1')).outcome).toBe('valid');
      }
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push((await keys.check(newApiKey().key, 'ip:192.0.2.1')).outcome);
      expect(answers).toEqual([...Array(3).fill('unknown'), ...Array(7).fill('throttled')]);
      expect(stub.requests).toHaveLength(5 + 3);
      // Another address has its own allowance.
      expect((await keys.check(newApiKey().key, 'ip:192.0.2.2')).outcome).toBe('unknown');
      expect(stub.requests).toHaveLength(9);
    } finally {
      await stub.close();
    }
  });

  it('refuses a lookup at once, not queued, while the concurrent lookups are all taken', async () => {
    const stub = await usersStub('hang');
    try {
      const keys = createPartnerKeys({
        usersUrl: stub.url,
        internalSecret: 'secret',
        cacheTtlMs: 60_000,
        timeoutMs: 500,
        maxConcurrentLookups: 2,
        log,
      });
      const hanging = [keys.check(newApiKey().key, CLIENT), keys.check(newApiKey().key, CLIENT)];
      await expect(keys.check(newApiKey().key, CLIENT)).rejects.toBeInstanceOf(PartnerKeysBusy);
      // The hung ones end with the lookup timeout; then lookups are possible again.
      for (const check of hanging) await expect(check).rejects.toBeInstanceOf(PartnerKeysUnavailable);
      await expect(keys.check(newApiKey().key, CLIENT)).rejects.not.toBeInstanceOf(PartnerKeysBusy);
      expect(stub.requests).toHaveLength(3);
    } finally {
      await stub.close();
    }
  });

  it('counts lookups per IPv4 address, and per /64 for IPv6 (where a client may pick any address of its /64)', () => {
    expect(lookupAllowanceKey('203.0.113.5')).toBe('ip:203.0.113.5');
    expect(lookupAllowanceKey('::ffff:203.0.113.5')).toBe('ip:203.0.113.5');
    const one = lookupAllowanceKey('2001:db8:1:2::5');
    expect(one).toBe('ip6:2001:db8:1:2::/64');
    for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0db8:0001:0002::1', '2001:DB8:1:2:0:0:0:9', '2001:db8:1:2::1.2.3.4'])
      expect(lookupAllowanceKey(same)).toBe(one);
    expect(lookupAllowanceKey('2001:db8:1:3::5')).not.toBe(one);
    expect(lookupAllowanceKey('2001:db8::1')).toBe('ip6:2001:db8:0:0::/64');
    expect(lookupAllowanceKey('::1')).toBe('ip6:0:0:0:0::/64');
  });
});
