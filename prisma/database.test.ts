/**
 * Every service's statements are counted by the same hook, whichever process opens the database
 * (the embedded platform, or a subgraph of its own in production): Prisma's statements and the
 * plain reads of its SqlReader, in db_queries_total and db_statement_duration_seconds, under the
 * service's name. Against PGlite, and PostgreSQL too when DATABASE_URL is set.
 */
import { dbStatementDuration, registry } from '../platform/metrics';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import { installTestContext, uninstallTestContext, withTrace } from '../test/support/trace-context';
import { Prisma } from './generated/client';
import { openDatabase, sqlReaderOf, type Database } from './database';

async function sample(name: string, service: string): Promise<number> {
  const family = name.replace(/_count$/, '');
  const metric = await registry.getSingleMetric(family)?.get();
  return (metric?.values ?? [])
    .filter((value) => ((value as { metricName?: string }).metricName ?? family) === name && value.labels.service === service)
    .reduce((sum, value) => sum + value.value, 0);
}

const PRISMA_TRACE = '0af7651916cd43dd8448eb211c80319c';
const READER_TRACE = '1af7651916cd43dd8448eb211c80319c';

const counts = async (service: string) => ({
  queries: await sample('db_queries_total', service),
  timed: await sample('db_statement_duration_seconds_count', service),
});

const backends: [string, string | undefined][] = [['PGlite', undefined]];
if (process.env.DATABASE_URL) backends.push(['PostgreSQL', process.env.DATABASE_URL]);

describe.each(backends)('statement metrics on %s', (name, baseUrl) => {
  let testDb: TestDatabase | undefined;
  let db: Database;

  beforeAll(async () => {
    testDb = baseUrl ? await createTestDatabase(baseUrl) : undefined;
    db = await openDatabase({ url: testDb?.url });
  });

  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it("counts and times a service's Prisma statements and plain reads, and calls its own hook too", async () => {
    const service = `svc-${name}`;
    let hooked = 0;
    const client = db.createClient({ service, onQuery: () => hooked++ });
    const before = await counts(service);
    await client.$queryRaw`SELECT 1`;
    await sqlReaderOf(client).query(Prisma.sql`SELECT 2`);
    expect(await counts(service)).toEqual({ queries: before.queries + 2, timed: before.timed + 2 });
    expect(hooked).toBe(2);
  });

  it("gives each statement the active trace's id as its exemplar, Prisma's and plain reads alike", async () => {
    const service = `traced-${name}`;
    const client = db.createClient({ service });
    const exemplars = async () =>
      (await dbStatementDuration.histogram.get()).values
        .filter((value) => value.labels.service === service)
        .map((value) => (value as { exemplar?: { labelSet: Record<string, string> } }).exemplar?.labelSet.trace_id)
        .filter(Boolean);
    installTestContext();
    try {
      // A Prisma query runs when awaited: inside the request's context, as in a resolver.
      await withTrace(PRISMA_TRACE, async () => await client.$queryRaw`SELECT 1`);
      expect(await exemplars()).toEqual([PRISMA_TRACE]);
      await withTrace(READER_TRACE, async () => await sqlReaderOf(client).query(Prisma.sql`SELECT pg_sleep(0.3)`));
      expect(await exemplars()).toEqual(expect.arrayContaining([PRISMA_TRACE, READER_TRACE]));
    } finally {
      uninstallTestContext();
    }
  });

  it('counts nothing for a client made without a service (background work)', async () => {
    const client = db.createClient();
    const before = (await registry.getSingleMetric('db_queries_total')?.get())?.values.reduce((sum, value) => sum + value.value, 0);
    await client.$queryRaw`SELECT 1`;
    await sqlReaderOf(client).query(Prisma.sql`SELECT 2`);
    const after = (await registry.getSingleMetric('db_queries_total')?.get())?.values.reduce((sum, value) => sum + value.value, 0);
    expect(after).toBe(before);
  });
});
