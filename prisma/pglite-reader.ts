/**
 * A statement with its values written in as SQL literals, for PGlite's simple query protocol:
 * through PGlite one round of it costs about a third of the CPU of the extended protocol that
 * parameters need (parse and describe, then bind and execute, each a trip through WebAssembly).
 * Strings are quoted as node-pg's escapeLiteral does (quotes and backslashes doubled, E'' when a
 * backslash is present), so no value can end its literal; a NUL, which would end the statement
 * text itself, is refused. Only the value types the read paths pass are accepted.
 */
import { escapeLiteral } from 'pg';
import type { Prisma } from './generated/client';

export function inlineSql(statement: Prisma.Sql): string {
  let text = statement.strings[0];
  statement.values.forEach((value, index) => {
    text += literal(value) + statement.strings[index + 1];
  });
  return text;
}

function literal(value: unknown): string {
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
  // The element type comes from the comparison (`x = ANY(...)`), as for a parameter.
  if (Array.isArray(value)) return value.length === 0 ? `'{}'` : `ARRAY[${value.map(literal).join(', ')}]`;
  throw new Error(`No SQL literal for a value of type ${typeof value}`);
}
