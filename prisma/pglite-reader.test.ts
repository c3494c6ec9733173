import { PGlite } from '@electric-sql/pglite';
import { Prisma } from './generated/client';
import { pgliteReader, sqlLiteral } from './pglite-reader';

describe('pgliteReader', () => {
  let lite: PGlite;

  beforeAll(async () => {
    lite = new PGlite();
    await lite.exec(
      `CREATE TABLE t (id text PRIMARY KEY, n int); INSERT INTO t VALUES ('a', 1), ('b', 2), ('it''s', 3), ('back\\slash', 4);`,
    );
  });
  afterAll(() => lite.close());

  it('writes values as literals that Postgres reads back unchanged', async () => {
    const texts = ["it's", 'back\\slash', "'; DROP TABLE t; --", "\\'", 'ünï€ode', ''];
    for (const text of texts) expect((await lite.exec(`SELECT ${sqlLiteral(text)}::text AS v`))[0].rows).toEqual([{ v: text }]);
    const [{ rows }] = await lite.exec(
      `SELECT ${sqlLiteral(-3)} + ${sqlLiteral(2)} AS v, ${sqlLiteral(true)} AS b, ${sqlLiteral(null)}::text AS z`,
    );
    expect(rows).toEqual([{ v: -1, b: true, z: null }]);
  });

  it('refuses values it cannot write safely', () => {
    expect(() => sqlLiteral('a\0b')).toThrow(/NUL/);
    expect(() => sqlLiteral(Number.NaN)).toThrow(/finite/);
    expect(() => sqlLiteral(new Date(0))).toThrow(/No SQL literal/);
  });

  it('gives exactly the rows that the statement with parameters gives, prepared once for concurrent first uses', async () => {
    const read = pgliteReader(lite);
    const byIds = (ids: string[], most: number) => Prisma.sql`SELECT id, n FROM t WHERE id = ANY(${ids}) AND n <= ${most} ORDER BY id`;
    const asks: [string[], number][] = [
      [['a', "it's", 'back\\slash', "x' OR '1'='1"], 3],
      [['b', 'back\\slash'], 4],
      [[], 4],
    ];
    const answers = await Promise.all(asks.map(([ids, most]) => read(byIds(ids, most))));
    for (const [index, [ids, most]] of asks.entries()) {
      const expected = await lite.query(`SELECT id, n FROM t WHERE id = ANY($1) AND n <= $2 ORDER BY id`, [ids, most]);
      expect(answers[index]).toEqual(expected.rows);
    }
    expect(answers[0]).toEqual([
      { id: 'a', n: 1 },
      { id: "it's", n: 3 },
    ]);
    const { rows } = await lite.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_prepared_statements`);
    expect(rows[0].count).toBe(1);
    // Another reader on the same database prepares under names of its own.
    await expect(pgliteReader(lite)(byIds(['b'], 9))).resolves.toEqual([{ id: 'b', n: 2 }]);
  });

  it('fails a statement that does not prepare, and prepares it once it can', async () => {
    const read = pgliteReader(lite);
    await expect(read(Prisma.sql`SELECT id FROM later WHERE id = ${'a'}`)).rejects.toThrow(/later/);
    await lite.exec(`CREATE TABLE later (id text)`);
    await expect(read(Prisma.sql`SELECT id FROM later WHERE id = ${'a'}`)).resolves.toEqual([]);
  });
});
