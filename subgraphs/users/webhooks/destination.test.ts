/**
 * Webhook destinations, checked without a connection to anything: literal addresses in every
 * spelling WHATWG URL accepts, names answered by an injected resolver, and registration through
 * the real resolver class (the check comes before any database access).
 */
import { GraphQLError } from 'graphql';
import { WEBHOOK_DEFAULTS } from '../../../platform/config';
import type { SubgraphContext } from '../../kit/context';
import { checkDestination, DestinationRefused, DestinationUnresolved, refusedBecause, type ResolveHost } from './destination';
import { WebhookResolver } from './resolver';
import { checkWebhookDestination } from './url';

/** A resolver that knows only these names; it records what it was asked. */
function resolver(answers: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const found = answers[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(resolve, { asked });
}

const NAMES = resolver({
  'metadata.partner.test': ['169.254.169.254'],
  'internal.partner.test': ['10.0.0.5'],
  'v6-internal.partner.test': ['fd12:3456::1'],
  'mapped.partner.test': ['::ffff:192.168.1.10'],
  // One public and one private answer: the rebinding trick.
  'mixed.partner.test': ['93.184.216.34', '10.0.0.5'],
  'public.partner.test': ['93.184.216.34', '2606:4700::1111'],
  'localhost.partner.test': ['127.0.0.1', '::1'],
});

const REFUSED_URLS: [string, RegExp][] = [
  ['http://127.0.0.1/hook', /loopback/],
  ['http://0x7f000001/hook', /127\.0\.0\.1 is a loopback/],
  ['http://2130706433/hook', /127\.0\.0\.1 is a loopback/],
  ['http://127.1/hook', /127\.0\.0\.1 is a loopback/],
  ['http://0177.0.0.1/hook', /127\.0\.0\.1 is a loopback/],
  ['http://[::1]/hook', /::1 is a loopback/],
  ['http://[::ffff:127.0.0.1]/hook', /::ffff:7f00:1 is a loopback/],
  ['http://[::ffff:a9fe:a9fe]/latest/meta-data', /link-local/],
  ['http://169.254.169.254/latest/meta-data', /link-local/],
  ['http://10.1.2.3/hook', /private/],
  ['http://172.16.0.1/hook', /private/],
  ['http://172.31.255.255/hook', /private/],
  ['http://192.168.1.1/hook', /private/],
  ['http://100.64.0.1/hook', /private/],
  ['http://0.0.0.0/hook', /unspecified/],
  ['http://0/hook', /unspecified/],
  ['http://[::]/hook', /unspecified/],
  ['http://[fd00::1]/hook', /unique-local/],
  ['http://[fe80::1]/hook', /link-local/],
  ['http://224.0.0.1/hook', /multicast/],
  ['http://[ff02::1]/hook', /multicast/],
  ['http://255.255.255.255/hook', /reserved/],
  ['http://[64:ff9b::a00:5]/hook', /IPv4-embedding/],
  ['http://[2002:a00:5::1]/hook', /IPv4-embedding/],
  ['https://metadata.partner.test/latest', /metadata\.partner\.test resolves to 169\.254\.169\.254, a link-local/],
  ['https://internal.partner.test/hook', /internal\.partner\.test resolves to 10\.0\.0\.5, a private/],
  ['https://v6-internal.partner.test/hook', /fd12:3456::1, a unique-local/],
  ['https://mapped.partner.test/hook', /::ffff:192\.168\.1\.10, a private/],
  ['https://mixed.partner.test/hook', /mixed\.partner\.test resolves to 10\.0\.0\.5, a private/],
  ['https://localhost.partner.test/hook', /127\.0\.0\.1, a loopback/],
];

describe('webhook destinations', () => {
  it.each(REFUSED_URLS)('refuses %s', async (url, reason) => {
    const check = checkDestination(new URL(url), { allowPrivate: false, resolve: NAMES });
    await expect(check).rejects.toBeInstanceOf(DestinationRefused);
    await expect(check).rejects.toThrow(reason);
  });

  it('lets public addresses through, and answers the address to connect to (the first one resolved)', async () => {
    expect(await checkDestination(new URL('https://public.partner.test/hook'), { allowPrivate: false, resolve: NAMES })).toEqual({
      hostname: 'public.partner.test',
      address: '93.184.216.34',
      family: 4,
    });
    expect(await checkDestination(new URL('https://[2606:4700::1111]/hook'), { allowPrivate: false, resolve: NAMES })).toEqual({
      hostname: '2606:4700::1111',
      address: '2606:4700::1111',
      family: 6,
    });
    for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2a00:1450::1']) expect(refusedBecause(address)).toBeUndefined();
  });

  it('never resolves a literal address, and reports a name that does not resolve', async () => {
    const asked = NAMES.asked.length;
    await expect(checkDestination(new URL('http://10.0.0.5/'), { allowPrivate: false, resolve: NAMES })).rejects.toThrow(/private/);
    expect(NAMES.asked).toHaveLength(asked);
    await expect(
      checkDestination(new URL('https://nowhere.partner.test/'), { allowPrivate: false, resolve: NAMES }),
    ).rejects.toBeInstanceOf(DestinationUnresolved);
  });

  it('lets everything through with allowPrivate, still answering the resolved address', async () => {
    expect(await checkDestination(new URL('http://localhost.partner.test:8080/'), { allowPrivate: true, resolve: NAMES })).toEqual({
      hostname: 'localhost.partner.test',
      address: '127.0.0.1',
      family: 4,
    });
  });

  it('refuses at registration with BAD_USER_INPUT, before any database access', async () => {
    await expect(checkWebhookDestination('https://internal.partner.test/hook', { allowPrivate: false, resolve: NAMES })).rejects.toThrow(
      /url: is not allowed: internal\.partner\.test resolves to 10\.0\.0\.5/,
    );
    const context = {
      viewer: { userId: 'admin-1', roles: ['admin'] },
      // Untouched: a refused URL never reaches the database.
      prisma: new Proxy(
        {},
        {
          get: () => {
            throw new Error('the database was used');
          },
        },
      ),
      config: { webhooks: { ...WEBHOOK_DEFAULTS, httpsOnly: true } },
    } as unknown as SubgraphContext;
    for (const url of ['https://169.254.169.254/latest', 'https://0x7f000001/hook', 'https://[::1]/hook', 'https://192.168.0.10/hook']) {
      const refusal = new WebhookResolver().setPartnerWebhook('partner-1', url, context);
      await expect(refusal).rejects.toBeInstanceOf(GraphQLError);
      await expect(refusal).rejects.toMatchObject({
        extensions: { code: 'BAD_USER_INPUT' },
        message: expect.stringMatching(/public addresses/),
      });
    }
  });
});
