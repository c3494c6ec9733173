import { PGlite } from '@electric-sql/pglite';
import { Prisma } from './generated/client';
import { inlineSql } from './inline-sql';

describe('inlineSql', () => {
  let lite: PGlite;
  const select = async (statement: Prisma.Sql) => (await lite.exec(inlineSql(statement)))[0].rows;

  beforeAll(async () => {
    lite = new PGlite();
    await lite.exec(
      `CREATE TABLE t (id text PRIMARY KEY, n int); INSERT INTO t VALUES ('a', 1), ('b', 2), ('it''s', 3), ('back\\slash', 4);`,
    );
  });
  afterAll(() => lite.close());

  it('writes values as the literals Postgres reads back unchanged', async () => {
    const texts = ["it's", 'back\\slash', "'; DROP TABLE t; --", "\\'", 'ünï€ode', ''];
    for (const text of texts) expect(await select(Prisma.sql`SELECT ${text} AS v`)).toEqual([{ v: text }]);
    expect(await select(Prisma.sql`SELECT ${-3} + ${2} AS v, ${1.5}::float8 AS f, ${true} AS b, ${null}::text AS z`)).toEqual([
      { v: -1, f: 1.5, b: true, z: null },
    ]);
  });

  it('matches exactly the rows a parameter would, for lists too', async () => {
    const ids = ['a', "it's", 'back\\slash', "x' OR '1'='1"];
    const inlined = await select(Prisma.sql`SELECT id FROM t WHERE id = ANY(${ids}) AND n <= ${3} ORDER BY id`);
    expect(inlined).toEqual((await lite.query(`SELECT id FROM t WHERE id = ANY($1) AND n <= $2 ORDER BY id`, [ids, 3])).rows);
    expect(inlined).toEqual([{ id: 'a' }, { id: "it's" }]);
    expect(await select(Prisma.sql`SELECT id FROM t WHERE id = ANY(${[]})`)).toEqual([]);
  });

  it('refuses what it cannot write safely', () => {
    expect(() => inlineSql(Prisma.sql`SELECT ${'a\0b'}`)).toThrow(/NUL/);
    expect(() => inlineSql(Prisma.sql`SELECT ${Number.NaN}`)).toThrow(/finite/);
    expect(() => inlineSql(Prisma.sql`SELECT ${new Date(0)}`)).toThrow(/No SQL literal/);
  });
});
