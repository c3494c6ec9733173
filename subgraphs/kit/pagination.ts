/**
 * Relay-style connections: `edges { cursor node }` + `pageInfo`, with opaque cursors that encode
 * the position in a keyset ordering (never an offset, so pages stay stable as rows are added).
 */
import type { ClassType } from 'type-graphql';
import { Directive, Field, ObjectType } from 'type-graphql';
import { badInput } from '../../platform/errors';
import { PageInfo } from './shared-types';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

/** The sort key of a row, e.g. [createdAt ISO string, id]. */
export type CursorKey = (string | number)[];

export interface Edge<Node> {
  cursor: string;
  node: Node;
}

export interface Connection<Node> {
  edges: Edge<Node>[];
  pageInfo: PageInfo;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): CursorKey {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // A NUL in a key string would reach SQL, which refuses it with a server error.
    if (Array.isArray(key) && key.length > 0 && key.every((k) => (typeof k === 'string' && !k.includes('\0')) || typeof k === 'number')) {
      return key;
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a cursor returned by this API');
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Validates a requested count (`first`): an integer from 1 to `max`, or the default when omitted. */
export function pageSize(first: number | null | undefined, field = 'first', max = MAX_PAGE_SIZE): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badInput(field, `must be between 1 and ${max}, got ${size}`);
  }
  return size;
}

/** Builds a page from rows fetched with one row more than asked for (that row only says "there is more"). */
export function toConnection<Row, Node = Row>(
  rows: Row[],
  size: number,
  keyOf: (row: Row) => CursorKey,
  hasPrevious: boolean,
  toNode: (row: Row) => Node = (row) => row as unknown as Node,
): Connection<Node> {
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ cursor: encodeCursor(keyOf(row)), node: toNode(row) }));
  return {
    edges,
    pageInfo: Object.assign(new PageInfo(), {
      hasNextPage: rows.length > size,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    }),
  };
}

/**
 * Declares `<Name>Connection` and `<Name>Edge` object types for a node type; `directives` (e.g. the
 * partner contract's tag) apply to both.
 */
export function connectionTypes<Node extends object>(node: ClassType<Node>, name: string, plural: string, directives: string[] = []) {
  const withDirectives = (target: ClassType) => directives.forEach((directive) => Directive(directive)(target));
  @ObjectType(`${name}Edge`, { description: `One ${name} in a page of ${plural}.` })
  class EdgeType {
    @Field(() => String, { description: 'Opaque position of this edge; pass it as `after` to continue.' })
    cursor!: string;

    @Field(() => node, { description: `The ${name}.` })
    node!: Node;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${plural}.` })
  class ConnectionType {
    @Field(() => [EdgeType], { description: `The ${plural} on this page.` })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
    pageInfo!: PageInfo;
  }

  withDirectives(EdgeType);
  withDirectives(ConnectionType);
  return ConnectionType;
}
