/**
 * Where a webhook may be delivered: a public address, never one inside the cluster, the node or
 * the cloud's metadata service. A URL's host is resolved once, every address it resolves to is
 * checked, and the delivery connects to the checked address (post.ts), so a name that resolves
 * differently a moment later (DNS rebinding) cannot slip through between the check and the connect.
 * Numeric hosts need no care of their own: WHATWG URL has already turned 0x7f000001, 2130706433,
 * 0177.0.0.1 and 127.1 into 127.0.0.1, and [::ffff:127.0.0.1] into [::ffff:7f00:1].
 */
import dns from 'node:dns';
import net from 'node:net';

/** Every address a host name resolves to. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

/** The system resolver (getaddrinfo, as a plain connect would use), every address of every family. */
export const systemResolve: ResolveHost = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((found) => found.address);

/** Where one delivery connects: the URL's host name (Host header and TLS name) and the address checked for it. */
export interface Destination {
  hostname: string;
  address: string;
  family: 4 | 6;
}

/** The destination is, or resolves to, an address webhooks may not reach. */
export class DestinationRefused extends Error {}

/** The host name does not resolve (now). */
export class DestinationUnresolved extends Error {}

type Range = [subnet: string, prefix: number];

/**
 * Addresses no webhook may reach, by why. IPv4-mapped IPv6 (::ffff:a.b.c.d) is checked against the
 * IPv4 ranges by BlockList itself; prefixes that carry an IPv4 address some other way (NAT64,
 * 6to4, Teredo, IPv4-compatible) are refused whole rather than unpacked.
 */
const REFUSED: Record<string, { ipv4?: Range[]; ipv6?: Range[] }> = {
  unspecified: { ipv4: [['0.0.0.0', 8]], ipv6: [['::', 128]] },
  loopback: { ipv4: [['127.0.0.0', 8]], ipv6: [['::1', 128]] },
  private: {
    ipv4: [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      // Carrier-grade NAT space, used for pod and service ranges by some clusters.
      ['100.64.0.0', 10],
      ['192.0.0.0', 24],
      ['198.18.0.0', 15],
    ],
  },
  'link-local': { ipv4: [['169.254.0.0', 16]], ipv6: [['fe80::', 10]] },
  'unique-local': {
    ipv6: [
      ['fc00::', 7],
      ['fec0::', 10],
    ],
  },
  multicast: { ipv4: [['224.0.0.0', 4]], ipv6: [['ff00::', 8]] },
  reserved: { ipv4: [['240.0.0.0', 4]], ipv6: [['100::', 64]] },
  'IPv4-embedding': {
    ipv6: [
      ['::', 96],
      ['64:ff9b::', 96],
      ['64:ff9b:1::', 48],
      ['2002::', 16],
      ['2001::', 32],
    ],
  },
};

const REFUSED_LISTS = Object.entries(REFUSED).map(([reason, ranges]) => {
  const list = new net.BlockList();
  for (const [subnet, prefix] of ranges.ipv4 ?? []) list.addSubnet(subnet, prefix, 'ipv4');
  for (const [subnet, prefix] of ranges.ipv6 ?? []) list.addSubnet(subnet, prefix, 'ipv6');
  return { reason, list };
});

/** Why webhooks may not reach `address` (an IP address), or undefined when they may. */
export function refusedBecause(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return REFUSED_LISTS.find(({ list }) => list.check(address, type))?.reason;
}

/** `work`, or the signal's reason as soon as it aborts (getaddrinfo itself cannot be cancelled). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Resolves `url`'s host once and checks every address it gives (one bad answer among good ones is
 * enough to refuse: a resolver that mixes them is the rebinding trick). With `allowPrivate`
 * (WEBHOOK_ALLOW_PRIVATE_DESTINATIONS, tests and a local receiver) nothing is refused, but the
 * connection is still made to the address resolved here.
 */
export async function checkDestination(
  url: URL,
  options: { allowPrivate: boolean; resolve: ResolveHost; signal?: AbortSignal },
): Promise<Destination> {
  const hostname = hostOf(url);
  let addresses: string[];
  if (net.isIP(hostname)) addresses = [hostname];
  else {
    try {
      addresses = await untilAborted(options.resolve(hostname), options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const code = (error as { code?: string })?.code ?? (error as Error)?.message;
      throw new DestinationUnresolved(`${hostname} does not resolve (${code})`, { cause: error });
    }
    if (addresses.length === 0) throw new DestinationUnresolved(`${hostname} resolves to no address`);
  }
  if (!options.allowPrivate) {
    for (const address of addresses) {
      const reason = refusedBecause(address);
      if (reason === undefined) continue;
      const what = address === hostname ? `${address} is` : `${hostname} resolves to ${address},`;
      throw new DestinationRefused(`${what} a ${reason} address; webhooks go only to public addresses`);
    }
  }
  const address = addresses[0];
  return { hostname, address, family: net.isIP(address) === 6 ? 6 : 4 };
}
