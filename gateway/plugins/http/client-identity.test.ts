import type http from 'node:http';
import { ANONYMOUS } from '../../../platform/viewer';
import { clientIp, clientKey, trustFunction } from './client-identity';

/** An upgrade or HTTP request as node hands it over: a peer address and headers. */
const request = (peer: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  }) as unknown as http.IncomingMessage;

describe('client identity', () => {
  it('is the verified user when there is one, else the IP', () => {
    expect(clientKey({ userId: 'user-0001', roles: ['customer'] }, '10.0.0.1')).toBe('user:user-0001');
    expect(clientKey(ANONYMOUS, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(clientKey(undefined, '::1')).toBe('ip:::1');
    expect(clientKey(undefined, undefined)).toBe('ip:unknown');
  });

  it('ignores X-Forwarded-For unless a proxy is trusted', () => {
    expect(clientIp(request('127.0.0.1', '203.0.113.9'), trustFunction(false))).toBe('127.0.0.1');
  });

  it('believes X-Forwarded-For from trusted proxies only, like express', () => {
    const viaProxy = request('10.0.0.2', '198.51.100.7, 203.0.113.9');
    expect(clientIp(viaProxy, trustFunction(true))).toBe('198.51.100.7');
    // One hop: the proxy in front of us is believed, what it was told is not.
    expect(clientIp(viaProxy, trustFunction(1))).toBe('203.0.113.9');
    expect(clientIp(viaProxy, trustFunction(['10.0.0.0/8']))).toBe('203.0.113.9');
    expect(clientIp(viaProxy, trustFunction(['loopback']))).toBe('10.0.0.2');
  });
});
