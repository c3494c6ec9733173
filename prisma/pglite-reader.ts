/**
 * Plain reads through PGlite at the least CPU per statement. A statement with parameters takes
 * the extended protocol (parse and describe, then bind and execute, each a trip through
 * WebAssembly) and is planned anew every time; here each statement text is prepared once per
 * database (PREPARE, so Postgres keeps its plan) and run with EXECUTE in one simple-protocol
 * round, its values written in as literals, which spares the extra trips and the planning
 * (docs/benchmarks.md, "Plain reads"). PGlite is one session, so what is prepared stays prepared.
 *
 * Literals: strings quoted as node-pg's escapeLiteral does (quotes and backslashes doubled, E''
 * when a backslash is present), so no value can end its literal; a NUL, which would end the
 * statement text itself, is refused; only the value types the read paths pass are accepted.
 */
import type { PGlite } from '@electric-sql/pglite';
import { escapeLiteral } from 'pg';
import type { Prisma } from './generated/client';

/** The read paths have a handful of statement texts; more means text built per call, which runs unprepared. */
const MAX_PREPARED = 64;
/** Names are unique in the process, so readers sharing one database never collide. */
let prepares = 0;

export function pgliteReader(lite: PGlite): <Row>(statement: Prisma.Sql) => Promise<Row[]> {
  const prepared = new Map<string, Promise<string>>();
  const nameOf = (text: string): Promise<string> | undefined => {
    let name = prepared.get(text);
    if (!name && prepared.size < MAX_PREPARED) {
      const candidate = `plain_read_${++prepares}`;
      name = lite.exec(`PREPARE ${candidate} AS ${text}`).then(() => candidate);
      prepared.set(text, name);
      // A statement that does not prepare fails its callers as it would unprepared; the next call tries again.
      name.catch(() => prepared.delete(text));
    }
    return name;
  };
  return async <Row>(statement: Prisma.Sql): Promise<Row[]> => {
    const args = statement.values.map(sqlLiteral);
    const name = nameOf(statement.text);
    const sql = name ? `EXECUTE ${await name}${args.length > 0 ? `(${args.join(', ')})` : ''}` : inline(statement.strings, args);
    return (await lite.exec(sql))[0].rows as Row[];
  };
}

function inline(strings: readonly string[], args: string[]): string {
  return strings.reduce((text, part, index) => text + args[index - 1] + part);
}

/** A value as a SQL literal; its type comes from the statement (`x = ANY(...)`, `LIMIT ...`), as for a parameter. */
export function sqlLiteral(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new Error('A SQL text value cannot contain NUL');
    return escapeLiteral(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Not a finite number for SQL: ${value}`);
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (Array.isArray(value)) return value.length === 0 ? `'{}'` : `ARRAY[${value.map(sqlLiteral).join(', ')}]`;
  throw new Error(`No SQL literal for a value of type ${typeof value}`);
}
