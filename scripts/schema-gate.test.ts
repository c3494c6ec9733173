/** The breaking-change gate on SDL strings: what @graphql-inspector/core calls breaking, dangerous and safe. */
import { changelogEntry, compareContracts, describeChange, publishDecision } from './schema-gate';

const PUBLISHED = `
"""Entry points."""
type Query {
  """A product."""
  product(id: ID!): Product
}
"""A product."""
type Product {
  """Id."""
  id: ID!
  """Name."""
  name: String!
  """Similar products."""
  similar(first: Int = 10): [Product!]
  """Kind."""
  kind: Kind!
}
"""Kinds."""
enum Kind { BOOK FILM }
`;

const paths = (changes: { path?: string }[]) => changes.map((change) => change.path);

describe('compareContracts', () => {
  it('finds nothing between equal contracts', async () => {
    expect(await compareContracts(PUBLISHED, PUBLISHED)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });

  it('calls a removed field breaking', async () => {
    const changes = await compareContracts(PUBLISHED, PUBLISHED.replace('  """Name."""\n  name: String!\n', ''));
    expect(paths(changes.breaking)).toEqual(['Product.name']);
    expect(describeChange(changes.breaking[0])).toMatch(/^Product\.name: Field 'name' .*removed/);
  });

  it('calls a new required argument breaking', async () => {
    const changes = await compareContracts(
      PUBLISHED,
      PUBLISHED.replace('similar(first: Int = 10)', 'similar(first: Int = 10, region: String!)'),
    );
    expect(paths(changes.breaking)).toEqual(['Product.similar.region']);
  });

  it('calls a changed field type breaking', async () => {
    const changes = await compareContracts(PUBLISHED, PUBLISHED.replace('name: String!', 'name: Int!'));
    expect(paths(changes.breaking)).toEqual(['Product.name']);
  });

  it('lets additions through, and warns of a new enum value', async () => {
    const next = PUBLISHED.replace('enum Kind { BOOK FILM }', 'enum Kind { BOOK FILM GAME }').replace(
      '  """Id."""',
      '  """Stock."""\n  stock: Int\n  """Id."""',
    );
    const changes = await compareContracts(PUBLISHED, next);
    expect(changes.breaking).toEqual([]);
    expect(paths(changes.dangerous)).toEqual(['Kind.GAME']);
    // The field and its description: two safe changes at one path.
    expect(new Set(paths(changes.safe))).toEqual(new Set(['Product.stock']));
  });
});

describe('changelogEntry', () => {
  it('records the date, the reason and every breaking change', async () => {
    const { breaking } = await compareContracts(PUBLISHED, PUBLISHED.replace('  """Name."""\n  name: String!\n', ''));
    expect(changelogEntry(breaking, 'name moved to title', new Date('2026-12-01T12:00:00Z'))).toBe(
      `## 2026-12-01: name moved to title\n\n- \`Product.name\`: ${breaking[0].message}\n\n`,
    );
  });
});

describe('publishDecision (npm run compose)', () => {
  const date = new Date('2026-12-01T12:00:00Z');

  it('publishes compatible changes and a first contract', async () => {
    expect(publishDecision(undefined, undefined, date)).toEqual({ allowed: true });
    const added = await compareContracts(PUBLISHED, PUBLISHED.replace('  """Id."""', '  """Stock."""\n  stock: Int\n  """Id."""'));
    expect(publishDecision(added, undefined, date)).toEqual({ allowed: true });
  });

  it('refuses breaking changes unless a reason accepts them, which the changelog then records', async () => {
    const removed = await compareContracts(PUBLISHED, PUBLISHED.replace('  """Name."""\n  name: String!\n', ''));
    expect(publishDecision(removed, undefined, date)).toEqual({ allowed: false, refusal: expect.stringMatching(/--accept-breaking/) });
    expect(publishDecision(removed, 'name moved to title', date)).toEqual({
      allowed: true,
      changelogEntry: changelogEntry(removed.breaking, 'name moved to title', date),
    });
  });
});
