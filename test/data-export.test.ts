/**
 * Personal data export through the gateway, against the real platform: a customer with orders,
 * payments, interactions, a hidden recommendation and impressions gets an archive with each kind
 * of record and nothing of another user's, in the published format, downloadable once; nobody
 * else reads or downloads it; an admin exports for a user (and sees which model versions were
 * trained on them); an expired export's archive is gone; and with a subgraph down the export stays
 * RUNNING with its progress and completes once the subgraph is back.
 */
import crypto from 'node:crypto';
import { gql } from 'graphql-request';
import { DATA_EXPORT_DEFAULTS } from '../platform/config';
import { claimsHeaders } from '../platform/forwarded-claims';
import type { SubgraphName } from '../platform/services';
import type { Viewer } from '../platform/viewer';
import { exportArchiveSchema, type ExportArchive } from '../platform/privacy-export';
import { eventually } from './support/eventually';
import { graphqlErrors, startTestPlatform, type TestPlatform } from './support/platform';

const EXPORT_FIELDS = `id subjectId requestedBy status requestedAt readyAt expiresAt downloadedAt
  progress { partsDone partsTotal collected missing retryAt }`;

interface DataExport {
  id: string;
  subjectId: string;
  requestedBy: string;
  status: string;
  readyAt: string | null;
  expiresAt: string | null;
  progress: { partsDone: number; partsTotal: number; collected: string[]; missing: string[]; retryAt: string | null };
}

/** What one seeded customer did, by id, to find (or not find) in archives. */
interface Activity {
  userId: string;
  token: string;
  orderId: string;
  paymentId: string;
  interactionId: string;
  hiddenProductId: string;
}

/** Long enough for a busy machine; every wait here ends as soon as its condition holds. */
const WAIT_MS = 30_000;

describe('personal data export', () => {
  let t: TestPlatform;
  let admin: string;
  let subject: Activity;
  let other: Activity;

  const request = (token: string, userId: string) =>
    t
      .client(token)
      .request<{ requestDataExport: DataExport }>(`mutation ($userId: ID!) { requestDataExport(userId: $userId) { ${EXPORT_FIELDS} } }`, {
        userId,
      })
      .then((answer) => answer.requestDataExport);
  const follow = (token: string, id: string) =>
    t
      .client(token)
      .request<{ dataExport: DataExport }>(`query ($id: ID!) { dataExport(id: $id) { ${EXPORT_FIELDS} } }`, { id })
      .then((answer) => answer.dataExport);
  const download = (token: string, id: string) =>
    t
      .client(token)
      .request<{ downloadDataExport: { archive: string; export: DataExport } }>(
        `mutation ($id: ID!) { downloadDataExport(id: $id) { archive export { ${EXPORT_FIELDS} } } }`,
        { id },
      )
      .then((answer) => answer.downloadDataExport);
  const untilStatus = (token: string, id: string, status: string) =>
    eventually(
      () => follow(token, id),
      (current) => current.status === status,
      WAIT_MS,
    );

  /** A user of this test's own (fresh ids: the database may be shared), with an order, a payment, an interaction, a hidden product and impressions. */
  async function seedCustomer(label: string): Promise<Activity> {
    const userId = `export-${label}-${crypto.randomUUID().slice(0, 8)}`;
    await t.platform.db.sql.query('INSERT INTO "users"."User" ("id", "name", "email") VALUES ($1, $2, $3)', [
      userId,
      `Export ${label}`,
      `${userId}@example.test`,
    ]);
    const token = await t.token(userId);
    const client = t.client(token);
    const orderId = await t.placeOrder(token, `${userId}-order`);
    const { payOrder } = await client.request<{ payOrder: { id: string; status: string } }>(
      gql`
        mutation ($input: PayOrderInput!) {
          payOrder(input: $input) {
            id
            status
          }
        }
      `,
      { input: { orderId, idempotencyKey: `${userId}-pay`, cardNumber: '4242424242424242' } },
    );
    const { products } = await client.request<{ products: { edges: { node: { id: string } }[] } }>(
      '{ products(first: 10) { edges { node { id } } } }',
    );
    const { recordInteraction } = await client.request<{ recordInteraction: { id: string } }>(
      'mutation ($id: ID!) { recordInteraction(productId: $id, kind: VIEW) { id } }',
      { id: products.edges[1].node.id },
    );
    const hiddenProductId = products.edges[2].node.id;
    await client.request('mutation ($id: ID!) { hideRecommendation(productId: $id) }', { id: hiddenProductId });
    // Every recommendation returned is an impression of its A/B variant.
    await client.request('{ me { recommendations(first: 5) { productId } } }');
    // The recommender's own copy of the purchase arrives by event.
    await eventually(
      () => t.platform.db.sql.query('SELECT 1 FROM "recommendations"."Purchase" WHERE "orderId" = $1', [orderId]),
      (rows) => rows.length > 0,
      WAIT_MS,
    );
    return { userId, token, orderId, paymentId: payOrder.id, interactionId: recordInteraction.id, hiddenProductId };
  }

  beforeAll(async () => {
    t = await startTestPlatform(undefined, {
      // The recommendations part names the model versions trained on the user: a model must be served.
      inference: true,
      config: { dataExport: { ...DATA_EXPORT_DEFAULTS, initialDelayMs: 100, maxDelayMs: 400, pollMs: 50, partTimeoutMs: 5_000 } },
    });
    admin = await t.token('user-0001', ['customer', 'admin']);
    subject = await seedCustomer('subject');
    other = await seedCustomer('other');
    // Starting with inference trains a model first: on a busy machine that alone can take a minute.
  }, 180_000);

  afterAll(() => t?.close());

  it("exports a customer's own data with every kind of record and nothing of another user's, downloadable once", async () => {
    const requested = await request(subject.token, subject.userId);
    expect(requested).toMatchObject({ subjectId: subject.userId, requestedBy: subject.userId, progress: { partsTotal: 5 } });
    expect(['PENDING', 'RUNNING', 'READY']).toContain(requested.status);
    // Asking again while it stands returns the same export.
    expect((await request(subject.token, subject.userId)).id).toBe(requested.id);

    const ready = await untilStatus(subject.token, requested.id, 'READY');
    expect(ready.status).toBe('READY');
    expect(ready.progress).toEqual({
      partsDone: 5,
      partsTotal: 5,
      collected: ['users', 'orders', 'payments', 'recommendations', 'products'],
      missing: [],
      retryAt: null,
    });
    expect(new Date(ready.expiresAt!).getTime() - new Date(ready.readyAt!).getTime()).toBe(DATA_EXPORT_DEFAULTS.ttlMs);

    // Another customer can neither follow nor download it.
    for (const attempt of [follow(other.token, requested.id), download(other.token, requested.id)]) {
      expect((await graphqlErrors(attempt))[0].extensions?.code).toBe('FORBIDDEN');
    }

    const { archive: text, export: downloaded } = await download(subject.token, requested.id);
    expect(downloaded.status).toBe('DOWNLOADED');
    const archive: ExportArchive = exportArchiveSchema.parse(JSON.parse(text));
    expect(archive).toMatchObject({ formatVersion: 1, exportId: requested.id, subjectId: subject.userId });
    const { users, orders, payments, recommendations, products } = archive.parts;
    expect(users.profile).toMatchObject({ id: subject.userId, email: `${subject.userId}@example.test` });
    expect(users.partners).toEqual([]);
    expect(orders.orders.map((order) => order.id)).toEqual([subject.orderId]);
    expect(orders.orders[0].items.length).toBeGreaterThan(0);
    expect(payments).toMatchObject({ cardDataStored: false, notice: expect.stringContaining('no card data') as string });
    expect(payments.payments.map((payment) => payment.id)).toEqual([subject.paymentId]);
    expect(recommendations.interactions.map((interaction) => interaction.id)).toEqual([subject.interactionId]);
    expect(recommendations.hiddenProducts.map((hidden) => hidden.productId)).toEqual([subject.hiddenProductId]);
    expect(recommendations.purchases.map((purchase) => purchase.orderId)).toContain(subject.orderId);
    expect(recommendations.impressions.length).toBeGreaterThan(0);
    // A user created after the model was trained is in no version's id map.
    expect(recommendations.modelVersions).toEqual([]);
    expect(products).toMatchObject({ subgraph: 'products', holdsPersonalData: false });
    for (const [name, part] of Object.entries(archive.parts)) expect(part.subgraph).toBe(name);
    // Nothing of the other customer's, by any of their ids.
    for (const id of [other.userId, other.orderId, other.paymentId, other.interactionId]) expect(text).not.toContain(id);

    // Once: the archive is gone, and a second download says why with a code.
    const [again] = await graphqlErrors(download(subject.token, requested.id));
    expect(again.extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', status: 'DOWNLOADED' });
    expect(again.message).toContain('already downloaded');
    const [row] = await t.platform.db.sql.query<{ archive: string | null }>('SELECT "archive" FROM "users"."DataExport" WHERE "id" = $1', [
      requested.id,
    ]);
    expect(row.archive).toBeNull();
    // A new request after the download starts a new export.
    expect((await request(subject.token, subject.userId)).id).not.toBe(requested.id);
  });

  it("keeps each subgraph's part internal: not in the public API, and answered to the service role only", async () => {
    const fields: [SubgraphName, string][] = [
      ['orders', 'ordersPersonalData'],
      ['payments', 'paymentsPersonalData'],
      ['recommendations', 'recommendationsPersonalData'],
      ['products', 'productsPersonalData'],
    ];
    /** A request to the subgraph itself, signed as the gateway signs one for `viewer`. */
    const direct = async (subgraph: SubgraphName, field: string, viewer: Viewer) => {
      const body = JSON.stringify({ query: `query ($userId: ID!) { ${field}(userId: $userId) }`, variables: { userId: subject.userId } });
      const headers = await claimsHeaders(viewer, {
        secret: t.platform.config.internalSecret,
        issuer: 'gateway',
        audience: subgraph,
        body,
      });
      const response = await fetch(t.platform.subgraphs[subgraph].url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return (await response.json()) as { data?: Record<string, string> | null; errors?: { extensions?: { code?: string } }[] };
    };
    for (const [subgraph, field] of fields) {
      const [throughGateway] = await graphqlErrors(t.client(admin).request(`{ ${field}(userId: "${subject.userId}") }`));
      expect(throughGateway.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      // Even the subject themself, or an admin, calling the subgraph with valid claims is refused.
      for (const viewer of [
        { userId: subject.userId, roles: ['customer'] },
        { userId: 'user-0001', roles: ['admin'] },
      ] as Viewer[]) {
        expect((await direct(subgraph, field, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      }
      const asService = await direct(subgraph, field, { roles: ['service'] });
      expect(JSON.parse(asService.data![field])).toMatchObject({ subgraph });
    }
  });

  it('refuses a customer exporting someone else, and a caller without a token', async () => {
    expect((await graphqlErrors(request(subject.token, other.userId)))[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = t.client().request('mutation { requestDataExport(userId: "user-0002") { id } }');
    expect((await graphqlErrors(anonymous))[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets an admin export a user, and names the model versions trained on that user', async () => {
    const inference = t.platform.inference!.url;
    const { versions } = (await (await fetch(`${inference}/v2/models/recommender`)).json()) as { versions: string[] };
    const version = versions.at(-1)!;
    const { users } = (await (await fetch(`${inference}/v2/models/recommender/versions/${version}/ids`)).json()) as { users: string[] };
    const trainedOn = users[0];

    const requested = await request(admin, trainedOn);
    expect(requested).toMatchObject({ subjectId: trainedOn, requestedBy: 'user-0001' });
    await untilStatus(admin, requested.id, 'READY');
    const archive = exportArchiveSchema.parse(JSON.parse((await download(admin, requested.id)).archive));
    expect(archive.subjectId).toBe(trainedOn);
    expect(archive.parts.recommendations.modelVersions).toContainEqual({ model: 'recommender', version });
  });

  it("deletes an export's archive when it expires: it can no longer be downloaded", async () => {
    const requested = await request(other.token, other.userId);
    await untilStatus(other.token, requested.id, 'READY');
    // Time moved past the expiry: the row says it expired a second ago (no waiting out the TTL).
    await t.platform.db.sql.query(`UPDATE "users"."DataExport" SET "expiresAt" = $2::timestamp WHERE "id" = $1`, [
      requested.id,
      new Date(Date.now() - 1000).toISOString(),
    ]);
    expect((await follow(other.token, requested.id)).status).toBe('EXPIRED');
    const [error] = await graphqlErrors(download(other.token, requested.id));
    expect(error.extensions).toMatchObject({ code: 'INVALID_STATE_TRANSITION', status: 'EXPIRED' });
    // The worker's sweep deletes the archive itself.
    const swept = await eventually(
      () =>
        t.platform.db.sql.query<{ status: string; archive: string | null }>(
          'SELECT "status"::text, "archive" FROM "users"."DataExport" WHERE "id" = $1',
          [requested.id],
        ),
      ([row]) => row.status === 'EXPIRED',
      WAIT_MS,
    );
    expect(swept).toEqual([{ status: 'EXPIRED', archive: null }]);
    // Expired, it no longer stands for the request: asking again makes a new one.
    expect((await request(other.token, other.userId)).id).not.toBe(requested.id);
  });

  it('stays RUNNING with its progress while a subgraph is down, and completes when it is back', async () => {
    const customer = await seedCustomer('outage');
    await t.platform.stopSubgraph('payments');
    try {
      const requested = await request(customer.token, customer.userId);
      const waiting = await eventually(
        () => follow(customer.token, requested.id),
        (current) => current.progress.partsDone === 4 && current.progress.retryAt !== null,
        WAIT_MS,
      );
      expect(waiting.status).toBe('RUNNING');
      expect(waiting.progress).toMatchObject({ partsDone: 4, partsTotal: 5, missing: ['payments'] });
      // Several rounds later it is still waiting, not failed.
      const [{ attempts }] = await eventually(
        () => t.platform.db.sql.query<{ attempts: number }>('SELECT "attempts" FROM "users"."DataExport" WHERE "id" = $1', [requested.id]),
        ([row]) => row.attempts >= 3,
        WAIT_MS,
      );
      expect(attempts).toBeGreaterThanOrEqual(3);
      expect((await follow(customer.token, requested.id)).status).toBe('RUNNING');
    } finally {
      await t.platform.restartSubgraph('payments');
    }
    const [{ id }] = await t.platform.db.sql.query<{ id: string }>('SELECT "id" FROM "users"."DataExport" WHERE "subjectId" = $1', [
      customer.userId,
    ]);
    const ready = await untilStatus(customer.token, id, 'READY');
    expect(ready.progress.missing).toEqual([]);
    const archive = exportArchiveSchema.parse(JSON.parse((await download(customer.token, id)).archive));
    expect(archive.parts.payments.payments.map((payment) => payment.id)).toEqual([customer.paymentId]);
  });
});
