/**
 * Partner API keys and quotas on the real platform: keys made, listed, revoked and rotated with
 * the partner CLI (in-process, and once as a child process), sent as x-api-key; refusals as 401
 * JSON; each partner's own rate limit and cost budget; usage on /metrics and in `partner usage`;
 * and the partner acting as its own service account for orders.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { PARTNER_KEYS_DEFAULTS } from '../platform/config';
import { seededRandom } from '../training/rng';
import { projectRoot } from '../platform/paths';
import { buildProject } from './support/build';
import { eventually } from './support/eventually';
import { metricValue } from './support/metrics';
import { createPartnerKey, partnerCli } from './support/partners';
import { graphqlErrors, startTestPlatform, TEST_JWT_SECRET, type TestPlatform } from './support/platform';

const execFileAsync = promisify(execFile);

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

const CATALOGUE = 'query Catalogue { products(first: 2) { edges { node { id name } } } }';
/** Cache of key checks in the gateway: short, so revocation and expiry show within a test. */
const KEY_CACHE_TTL_MS = 300;

describe('partner API keys and quotas', () => {
  let test: TestPlatform;
  let base: string;

  const partner = async (
    key: string | undefined,
    query = CATALOGUE,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${base}/partner/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, ...(key === undefined ? {} : { 'x-api-key': key }) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
  };

  beforeAll(async () => {
    test = await startTestPlatform(undefined, {
      config: {
        partnerKeys: { ...PARTNER_KEYS_DEFAULTS, cacheTtlMs: KEY_CACHE_TTL_MS, lookupTimeoutMs: 2_000 },
        // The flood test sends from two addresses through X-Forwarded-For, as behind the ingress.
        trustProxy: ['loopback'],
      },
    });
    base = test.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await test?.close();
  });

  it('creates a partner whose key, printed last, works; list shows the key but never the key itself', async () => {
    const run = await partnerCli(test, ['create', '--name', 'acme', '--requests-per-minute', '1000']);
    expect(run.code).toBe(0);
    const key = run.lines[run.lines.length - 1];
    expect(key).toMatch(/^pk_live_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
    const answer = await partner(key);
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data?.products as { edges: unknown[] }).edges).toHaveLength(2);

    const list = await partnerCli(test, ['list']);
    expect(list.code).toBe(0);
    const text = list.lines.join('\n');
    expect(text).toContain('acme');
    expect(text).toContain(key.slice('pk_live_'.length, 'pk_live_'.length + 12));
    expect(text).toContain('ACTIVE');
    expect(text).not.toContain(key);
    // A second partner of the same name is refused.
    const again = await partnerCli(test, ['create', '--name', 'acme']);
    expect(again.code).toBe(1);
    expect(again.errors.join('\n')).toMatch(/already exists.*CONFLICT/);
  });

  it('refuses bad usage before calling the platform', async () => {
    expect((await partnerCli(test, ['create'])).errors.join('\n')).toMatch(/--name is required/);
    expect((await partnerCli(test, ['create', '--name', 'x', '--requests-per-minute', 'lots'])).code).toBe(1);
    expect((await partnerCli(test, ['create', '--name', 'x', '--colour', 'blue'])).errors.join('\n')).toMatch(/colour/);
    expect((await partnerCli(test, ['rotate', 'some-id', '--grace', 'soon'])).errors.join('\n')).toMatch(/--grace must be a duration/);
    expect((await partnerCli(test, ['revoke'])).errors.join('\n')).toMatch(/exactly one KEY_ID/);
  });

  it.each([
    ['no key', undefined, /Send your partner API key in the x-api-key header/],
    ['a malformed key', 'not-a-key', /The API key is not valid/],
    ['an unknown key', `pk_live_0123456789ab_${'A'.repeat(32)}`, /The API key is not valid/],
  ])('answers %s with 401 and a JSON GraphQL error', async (_what, key, message) => {
    const answer = await partner(key);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toEqual([{ message: expect.stringMatching(message), extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('refuses a revoked key within the key cache TTL', async () => {
    const { key, keyId } = await createPartnerKey(test, 'revoked-co');
    expect((await partner(key)).status).toBe(200);
    const run = await partnerCli(test, ['revoke', keyId]);
    expect(run.code).toBe(0);
    expect(run.lines[0]).toMatch(/revoked at/);
    const refused = await eventually(
      () => partner(key),
      (answer) => answer.status === 401,
    );
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]).toEqual({ message: 'The API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('rotates a key: both work during the grace period, then only the new one', async () => {
    const { key: old, keyId } = await createPartnerKey(test, 'rotating-co');
    const run = await partnerCli(test, ['rotate', keyId, '--grace', '3s']);
    expect(run.code).toBe(0);
    const fresh = run.lines[run.lines.length - 1];
    expect(fresh).not.toBe(old);
    expect(run.lines[0]).toMatch(new RegExp(`key ${keyId} stays valid until \\d{4}-`));
    expect((await partner(old)).status).toBe(200);
    expect((await partner(fresh)).status).toBe(200);
    const expired = await eventually(
      () => partner(old),
      (answer) => answer.status === 401,
      10_000,
    );
    expect(expired.body.errors?.[0].message).toMatch(/expired/);
    expect((await partner(fresh)).status).toBe(200);
    // Only an active key can be rotated.
    const twice = await partnerCli(test, ['rotate', keyId]);
    expect(twice.errors.join('\n')).toMatch(/only an active key can be rotated/);
  });

  it("limits each partner to its requests per minute with 429, Retry-After and RateLimit-*, without touching another's", async () => {
    const { key: slow } = await createPartnerKey(test, 'slow-co', ['--requests-per-minute', '3']);
    const { key: other } = await createPartnerKey(test, 'other-co', ['--requests-per-minute', '3']);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await partner(slow));
    expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers[0].headers.get('ratelimit-limit')).toBe('3');
    expect(answers[2].headers.get('ratelimit-remaining')).toBe('0');
    const limited = answers[3];
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(limited.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect((await partner(other)).status).toBe(200);
    expect(await metricValue(base, 'partner_requests_total', { partner: 'slow-co', outcome: 'rate_limited' })).toBe(1);
  });

  it("refuses an operation over the partner's cost budget with LIMIT_EXCEEDED", async () => {
    const { key } = await createPartnerKey(test, 'frugal-co', ['--cost-budget', '30']);
    const small = await partner(key);
    expect(small.body.errors).toBeUndefined();
    const big = await partner(key, 'query Big { products(first: 20) { edges { node { id name stock } } } }');
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/exceeds the limit of 30 \(the partner's cost budget\)/),
      extensions: { code: 'LIMIT_EXCEEDED', queryLimit: 'cost', limit: 30, costBudget: 30 },
    });
    expect(await metricValue(base, 'partner_requests_total', { partner: 'frugal-co', operation: 'Big', outcome: 'cost_exceeded' })).toBe(1);
  });

  it('counts usage per partner and operation on /metrics and in `partner usage`', async () => {
    const { key } = await createPartnerKey(test, 'metered-co');
    // The gateway's RED series per operation count the partner endpoint's operations too.
    const operations = () =>
      metricValue(base, 'gateway_operation_duration_seconds_count', { operation: 'Catalogue', type: 'query', outcome: 'ok' });
    const invalid = () =>
      metricValue(base, 'gateway_operation_errors_total', { operation: 'anonymous', code: 'GRAPHQL_VALIDATION_FAILED' });
    const before = { operations: await operations(), invalid: await invalid() };
    for (let i = 0; i < 3; i++) expect((await partner(key)).status).toBe(200);
    await partner(key, 'query Broken { product(id: "x") { nope } }');
    await partner('not-a-key');
    expect(await operations()).toBe(before.operations + 3);
    expect(await invalid()).toBe(before.invalid + 1);
    expect(await metricValue(base, 'partner_requests_total', { partner: 'metered-co', operation: 'Catalogue', outcome: 'ok' })).toBe(3);
    expect(await metricValue(base, 'partner_requests_total', { partner: 'metered-co', operation: 'anonymous', outcome: 'error' })).toBe(1);
    expect(await metricValue(base, 'partner_requests_total', { partner: 'unknown', outcome: 'unauthenticated' })).toBeGreaterThan(0);
    const cost = await metricValue(base, 'partner_query_cost_total', { partner: 'metered-co', operation: 'Catalogue' });
    expect(cost).toBeGreaterThan(0);

    const usage = await partnerCli(test, ['usage']);
    expect(usage.code).toBe(0);
    expect(usage.lines[0]).toMatch(/since that gateway process started/);
    const header = usage.lines[1].split(/\s+/);
    expect(header).toEqual([
      'PARTNER',
      'OPERATION',
      'REQUESTS',
      'OK',
      'ERROR',
      'RATE_LIMITED',
      'COST_EXCEEDED',
      'UNAUTHENTICATED',
      'UNAVAILABLE',
      'COST',
    ]);
    const row = usage.lines.find((line) => line.startsWith('metered-co ') && line.includes(' Catalogue '))!.split(/\s+/);
    expect(row).toEqual(['metered-co', 'Catalogue', '3', '3', '0', '0', '0', '0', '0', String(cost)]);
  });

  it("acts as the partner's service account: places orders and reads them, never another account's", async () => {
    const { key } = await createPartnerKey(test, 'shop-co');
    const { products } = (await partner(key, '{ products(first: 50) { edges { node { id stock } } } }')).body.data as {
      products: { edges: { node: { id: string; stock: number } }[] };
    };
    const productId = products.edges.find((edge) => edge.node.stock > 10)!.node.id;
    const place = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }';
    const input = { idempotencyKey: 'partner-own-order', items: [{ productId, quantity: 1 }] };
    const placed = await partner(key, place, { input });
    expect(placed.body.errors).toBeUndefined();
    const own = (placed.body.data?.placeOrder as { id: string; status: string }).id;
    expect(placed.body.data?.placeOrder).toEqual({ id: own, status: 'PENDING_PAYMENT' });
    // The same idempotency key from the same partner is the same order.
    expect((await partner(key, place, { input })).body.data?.placeOrder).toEqual({ id: own, status: 'PENDING_PAYMENT' });

    const { partners } = await test
      .client(await test.token('admin-1', ['admin']))
      .request<{ partners: { name: string; userId: string }[] }>('{ partners { name userId } }');
    const account = partners.find((found) => found.name === 'shop-co')!.userId;
    const { order: asAdmin } = await test
      .client(await test.token('admin-1', ['admin']))
      .request<{ order: { user: { id: string } } }>('query ($id: ID!) { order(id: $id) { user { id } } }', { id: own });
    expect(asAdmin.user.id).toBe(account);

    const someoneElses = await test.placeOrder(await test.token('user-0002'), 'not-the-partners-order');
    const query = 'query Order($id: ID!) { order(id: $id) { id status total { amount currency } items { productId quantity } } }';
    const mine = await partner(key, query, { id: own });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data?.order).toMatchObject({ id: own, items: [{ productId, quantity: 1 }] });
    const theirs = await partner(key, query, { id: someoneElses });
    expect(theirs.body.errors).toBeUndefined();
    expect(theirs.body.data?.order).toBeNull();
  });

  it('keeps the admin API to admins and the key check internal', async () => {
    const customer = test.client(await test.token('user-0001'));
    const refused = await graphqlErrors(customer.request('{ partners { id } }'));
    expect(refused[0].extensions?.code).toBe('FORBIDDEN');
    const create = await graphqlErrors(customer.request('mutation { createPartner(input: { name: "sneaky" }) { apiKey } }'));
    expect(create[0].extensions?.code).toBe('FORBIDDEN');
    const admin = test.client(await test.token('admin-1', ['admin']));
    const hidden = await graphqlErrors(admin.request('{ partnerByApiKey(key: "x") { outcome } }'));
    expect(hidden[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Straight to the users subgraph, without the gateway's service claims: refused.
    const direct = await fetch(test.platform.subgraphs.users.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ partnerByApiKey(key: "x") { outcome } }' }),
    });
    const body = (await direct.json()) as Answer['body'];
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('works as a real CLI process against a running platform', async () => {
    await buildProject();
    const cli = (args: string[]) =>
      execFileAsync(process.execPath, [path.join(projectRoot, 'dist', 'scripts', 'partner.js'), ...args], {
        cwd: projectRoot,
        timeout: 60_000,
        env: { PATH: process.env.PATH, GATEWAY_URL: base, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent' },
      });
    const created = await cli(['create', '--name', 'process-co']);
    const key = created.stdout.trimEnd().split('\n').pop()!;
    expect((await partner(key)).status).toBe(200);
    const usage = await cli(['usage']);
    expect(usage.stdout).toMatch(/^process-co\s+Catalogue\s+1\s+1\s/m);
    await expect(cli(['frobnicate'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
  }, 300_000);

  it("costs the users subgraph tens of lookups for 2,000 made-up keys from one address, and a partner's requests all succeed meanwhile", async () => {
    const { key } = await createPartnerKey(test, 'steady-co', ['--requests-per-minute', '1000']);
    const usersRequests = () => metricValue(base, 'http_request_duration_seconds_count', { service: 'users', method: 'POST' });
    const random = seededRandom(20);
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const pick = (alphabet: string, length: number) =>
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const madeUp = Array.from({ length: 2_000 }, () => `pk_live_${pick('0123456789abcdef', 12)}_${pick(chars, 32)}`);
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const customer = { 'x-forwarded-for': '198.51.100.7' };
    // A partner already at work when the flood starts.
    expect((await partner(key, CATALOGUE, {}, customer)).status).toBe(200);
    const before = await usersRequests();

    const floodStatuses: number[] = [];
    const partnerStatuses: number[] = [];
    let next = 0;
    const flooder = async () => {
      while (next < madeUp.length) {
        const index = next++;
        floodStatuses.push((await partner(madeUp[index], CATALOGUE, {}, attacker)).status);
        // The real partner's request every 100 made-up keys, while the flood goes on.
        if (index % 100 === 0) partnerStatuses.push((await partner(key, CATALOGUE, {}, customer)).status);
      }
    };
    await Promise.all(Array.from({ length: 20 }, flooder));

    expect(partnerStatuses).toEqual(Array(20).fill(200));
    expect(floodStatuses).toHaveLength(2_000);
    // Refused (401), throttled before any lookup (429), or refused at once while lookups are at their cap (503).
    expect(floodStatuses.filter((status) => ![401, 429, 503].includes(status))).toEqual([]);
    // At most one lookup per partner request (its key re-checked after the short test TTL), and the attacker's allowance.
    const lookups = (await usersRequests()) - before;
    expect(lookups).toBeLessThanOrEqual(PARTNER_KEYS_DEFAULTS.lookupsPerMinute + partnerStatuses.length);
    expect(floodStatuses.filter((status) => status === 401).length).toBeLessThanOrEqual(PARTNER_KEYS_DEFAULTS.lookupsPerMinute);

    // An IPv6 client may send from any address of its /64: the allowance is the /64's.
    const beforeV6 = await usersRequests();
    for (let i = 1; i <= 200; i++) {
      const answer = await partner(madeUp[i], CATALOGUE, {}, { 'x-forwarded-for': `2001:db8:66:1::${i.toString(16)}` });
      expect([401, 429]).toContain(answer.status);
    }
    expect((await usersRequests()) - beforeV6).toBeLessThanOrEqual(PARTNER_KEYS_DEFAULTS.lookupsPerMinute);
  }, 120_000);

  // Last: it stops the users subgraph.
  it('answers 503 SERVICE_UNAVAILABLE, not a hang, while keys cannot be checked', async () => {
    // The flood above may have met the lookup cap (503s counted as unavailable too).
    const before = await metricValue(base, 'partner_requests_total', { partner: 'unknown', outcome: 'unavailable' });
    await test.platform.subgraphs.users.close();
    const answer = await partner(`pk_live_fedcba987654_${'B'.repeat(32)}`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body.errors).toEqual([
      { message: expect.stringMatching(/cannot be checked/), extensions: { code: 'SERVICE_UNAVAILABLE' } },
    ]);
    expect(await metricValue(base, 'partner_requests_total', { partner: 'unknown', outcome: 'unavailable' })).toBe(before + 1);
  });
});
