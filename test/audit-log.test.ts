/**
 * The audit log on the real platform: admin mutations sent through the gateway with a GraphQL
 * client are recorded with actor, subject and outcome (failures too), a refused admin call is
 * recorded as admin.denied, a partner key's use is one record a day, no record holds a secret or
 * personal data, admins read the log with the auditRecords query, and `npm run audit -- verify`
 * (run in-process as the CLI runs) passes on the intact chain and names the first record edited
 * or deleted. Other work may append to the same chain, so assertions pick this test's records.
 */
import crypto from 'node:crypto';
import { WEBHOOK_DEFAULTS } from '../platform/config';
import type { PrismaClient } from '../prisma/database';
import { runAuditCli } from '../scripts/audit';
import { eventually } from './support/eventually';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

interface Row {
  seq: bigint;
  actorId: string | null;
  actorRoles: string[];
  action: string;
  detail: string | null;
  subjectId: string | null;
  origin: string;
  outcome: string;
}

describe('audit log', () => {
  let test: TestPlatform;
  let prisma: PrismaClient;
  let base: string;
  const adminId = `audit-admin-${crypto.randomUUID()}`;
  const customerId = `audit-customer-${crypto.randomUUID()}`;
  let admin: ReturnType<TestPlatform['client']>;
  let customer: ReturnType<TestPlatform['client']>;
  const secrets: string[] = [];

  const recordsOf = async (actorId: string, action?: string): Promise<Row[]> =>
    prisma.auditRecord.findMany({ where: { actorId, ...(action && { action }) }, orderBy: { seq: 'asc' } });

  const cli = async (argv: string[]) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await runAuditCli(argv, { prisma, print: (line) => lines.push(line) }, (line) => errors.push(line));
    return { code, lines, errors };
  };

  beforeAll(async () => {
    test = await startTestPlatform(undefined, { config: { webhooks: { ...WEBHOOK_DEFAULTS, allowPrivateDestinations: true } } });
    prisma = test.platform.db.createClient();
    base = test.url.replace(/\/graphql$/, '');
    admin = test.client(await test.token(adminId, ['admin']));
    customer = test.client(await test.token(customerId, ['customer']));
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await test?.close();
  });

  it('records stock changes with actor, subject and outcome, failures included', async () => {
    const { products } = await admin.request<{ products: { edges: { node: { id: string } }[] } }>(
      '{ products(first: 1) { edges { node { id } } } }',
    );
    const productId = products.edges[0].node.id;
    const mutation = 'mutation ($id: ID!, $stock: Int!) { setProductStock(productId: $id, stock: $stock) { id stock } }';
    await admin.request(mutation, { id: productId, stock: 42 });
    expect(await graphqlErrors(admin.request(mutation, { id: productId, stock: -1 }))).toMatchObject([
      { extensions: { code: 'BAD_USER_INPUT' } },
    ]);

    expect(await recordsOf(adminId, 'product.stock.adjust')).toMatchObject([
      { actorRoles: ['admin'], subjectId: productId, detail: 'Mutation.setProductStock', origin: 'gateway', outcome: 'ok' },
      { subjectId: productId, outcome: 'error:BAD_USER_INPUT' },
    ]);
  });

  it('records a refused admin call as admin.denied, once, in the subgraph that refused it', async () => {
    const { products } = await customer.request<{ products: { edges: { node: { id: string } }[] } }>(
      '{ products(first: 1) { edges { node { id } } } }',
    );
    expect(
      await graphqlErrors(
        customer.request('mutation ($id: ID!) { setProductStock(productId: $id, stock: 1) { id } }', { id: products.edges[0].node.id }),
      ),
    ).toMatchObject([{ extensions: { code: 'FORBIDDEN' } }]);
    expect(await graphqlErrors(customer.request('{ auditRecords(first: 1) { edges { node { seq } } } }'))).toMatchObject([
      { extensions: { code: 'FORBIDDEN' } },
    ]);
    expect(await recordsOf(customerId)).toMatchObject([
      {
        action: 'admin.denied',
        actorRoles: ['customer'],
        detail: 'Mutation.setProductStock',
        subjectId: null,
        outcome: 'denied',
        origin: 'gateway',
      },
      { action: 'admin.denied', detail: 'Query.auditRecords', outcome: 'denied' },
    ]);
  });

  it('records partner and webhook administration, and a key used on a day once', async () => {
    const name = `audit-partner-${crypto.randomBytes(4).toString('hex')}`;
    const { createPartner } = await admin.request<{
      createPartner: { apiKey: string; partner: { id: string; userId: string }; key: { id: string } };
    }>('mutation ($input: CreatePartnerInput!) { createPartner(input: $input) { apiKey partner { id userId } key { id } } }', {
      input: { name },
    });
    const partnerId = createPartner.partner.id;
    secrets.push(createPartner.apiKey, name);
    const url = `http://127.0.0.1:9/hooks/${crypto.randomUUID()}`;
    const { setPartnerWebhook } = await admin.request<{ setPartnerWebhook: { secret: string } }>(
      'mutation ($partnerId: ID!, $url: String!) { setPartnerWebhook(partnerId: $partnerId, url: $url) { secret } }',
      { partnerId, url },
    );
    secrets.push(setPartnerWebhook.secret, url);
    const { rotatePartnerKey } = await admin.request<{ rotatePartnerKey: { apiKey: string; key: { id: string } } }>(
      'mutation ($keyId: ID!) { rotatePartnerKey(keyId: $keyId, graceSeconds: 0) { apiKey key { id } } }',
      { keyId: createPartner.key.id },
    );
    secrets.push(rotatePartnerKey.apiKey);
    const missing = crypto.randomUUID();
    expect(
      await graphqlErrors(admin.request('mutation ($id: ID!) { revokePartnerKey(keyId: $id) { id } }', { id: missing })),
    ).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);

    // The partner calls three times today: one record of the key's use.
    for (let call = 0; call < 3; call++) {
      const response = await fetch(`${base}/partner/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': rotatePartnerKey.apiKey },
        body: JSON.stringify({ query: '{ products(first: 1) { edges { node { id } } } }' }),
      });
      expect(response.status).toBe(200);
    }

    expect(await recordsOf(adminId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'partner.create', subjectId: partnerId, outcome: 'ok', detail: 'Mutation.createPartner' }),
        expect.objectContaining({ action: 'partner.webhook.set', subjectId: partnerId, outcome: 'ok' }),
        expect.objectContaining({ action: 'partner.key.rotate', subjectId: createPartner.key.id, outcome: 'ok' }),
        expect.objectContaining({ action: 'partner.key.revoke', subjectId: missing, outcome: 'error:NOT_FOUND' }),
      ]),
    );
    // The key check answers before its use is recorded (it is not awaited): wait for the record.
    const used = () => prisma.auditRecord.findMany({ where: { action: 'partner.key.used', subjectId: rotatePartnerKey.key.id } });
    await eventually(used, (rows) => rows.length > 0);
    expect(await used()).toMatchObject([
      { actorId: createPartner.partner.userId, actorRoles: ['partner'], origin: 'partner-api', outcome: 'ok' },
    ]);
  });

  it('records refunds, by whoever makes them', async () => {
    const buyerId = `audit-buyer-${crypto.randomUUID()}`;
    const buyerToken = await test.token(buyerId);
    const orderId = await test.placeOrder(buyerToken, `audit-${crypto.randomUUID()}`);
    const { payOrder } = await test
      .client(buyerToken)
      .request<{ payOrder: { id: string } }>('mutation ($input: PayOrderInput!) { payOrder(input: $input) { id } }', {
        input: { orderId, idempotencyKey: `pay-${crypto.randomUUID()}`, cardNumber: '4242424242424242' },
      });
    const refund = 'mutation ($id: ID!) { refundPayment(paymentId: $id) { id status } }';
    await admin.request(refund, { id: payOrder.id });
    expect(await graphqlErrors(admin.request(refund, { id: payOrder.id }))).toMatchObject([
      { extensions: { code: 'INVALID_STATE_TRANSITION' } },
    ]);
    expect((await recordsOf(adminId, 'payment.refund')).map(({ subjectId, outcome, detail }) => ({ subjectId, outcome, detail }))).toEqual([
      { subjectId: payOrder.id, outcome: 'ok', detail: 'Mutation.refundPayment' },
      { subjectId: payOrder.id, outcome: 'error:INVALID_STATE_TRANSITION', detail: 'Mutation.refundPayment' },
    ]);
  });

  it('keeps secrets and personal data out of every record', async () => {
    const { users } = await admin.request<{ users: { edges: { node: { name: string; email: string } }[] } }>(
      '{ users(first: 5) { edges { node { name email } } } }',
    );
    const forbidden = [...secrets, ...users.edges.flatMap(({ node }) => [node.name, node.email])];
    expect(forbidden.length).toBeGreaterThan(5);
    const rows = await prisma.$queryRaw<{ text: string }[]>`SELECT row_to_json(r)::text AS "text" FROM "audit"."AuditRecord" r`;
    expect(rows.length).toBeGreaterThan(0);
    for (const { text } of rows) for (const secret of forbidden) expect(text).not.toContain(secret);
  });

  it('lets admins read the log page by page with filters', async () => {
    const query = `query ($action: String, $actor: ID, $after: String) {
      auditRecords(first: 1, action: $action, actorId: $actor, after: $after) {
        edges { cursor node { seq action actorId subjectId outcome hash prevHash } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    type Page = {
      auditRecords: {
        edges: { node: { seq: string; action: string; outcome: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const first = await admin.request<Page>(query, { action: 'product.stock.adjust', actor: adminId });
    expect(first.auditRecords.edges.map((edge) => edge.node)).toMatchObject([
      { action: 'product.stock.adjust', outcome: 'error:BAD_USER_INPUT' },
    ]);
    expect(first.auditRecords.pageInfo.hasNextPage).toBe(true);
    const second = await admin.request<Page>(query, {
      action: 'product.stock.adjust',
      actor: adminId,
      after: first.auditRecords.pageInfo.endCursor,
    });
    expect(second.auditRecords.edges.map((edge) => edge.node)).toMatchObject([{ action: 'product.stock.adjust', outcome: 'ok' }]);
    expect(BigInt(second.auditRecords.edges[0].node.seq)).toBeLessThan(BigInt(first.auditRecords.edges[0].node.seq));
    expect(second.auditRecords.pageInfo.hasNextPage).toBe(false);

    const listed = await cli(['list', '--actor', adminId, '--action', 'partner.create']);
    expect(listed.code).toBe(0);
    expect(listed.lines.map((line) => JSON.parse(line) as { action: string })).toMatchObject([{ action: 'partner.create' }]);
  });

  it('verify passes on the intact chain and names the first record edited or deleted', async () => {
    const intact = await cli(['verify']);
    expect(intact).toMatchObject({ code: 0, errors: [] });
    expect(intact.lines[0]).toMatch(/^audit chain intact: \d+ records, head \d+ [0-9a-f]{64}$/);

    const [stock] = await recordsOf(adminId, 'product.stock.adjust');
    await prisma.$executeRaw`UPDATE "audit"."AuditRecord" SET "outcome" = 'denied' WHERE "seq" = ${stock.seq}`;
    const edited = await cli(['verify']);
    expect(edited.code).toBe(1);
    expect(edited.errors).toEqual([expect.stringMatching(new RegExp(`^audit verify: record ${stock.seq} breaks the chain: .*edited`))]);
    await prisma.$executeRaw`UPDATE "audit"."AuditRecord" SET "outcome" = 'ok' WHERE "seq" = ${stock.seq}`;
    expect((await cli(['verify'])).code).toBe(0);

    // A record from the middle of the chain: the failed stock change, which others follow.
    const [, failed] = await recordsOf(adminId, 'product.stock.adjust');
    await prisma.$executeRaw`DELETE FROM "audit"."AuditRecord" WHERE "seq" = ${failed.seq}`;
    const deleted = await cli(['verify']);
    expect(deleted.code).toBe(1);
    expect(deleted.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^audit verify: record ${failed.seq + 1n} breaks the chain: record\\(s\\) ${failed.seq} before it are missing`),
      ),
    ]);

    expect(await cli(['frobnicate'])).toMatchObject({ code: 2 });
  });
});
