/** Deriving a contract from include tags, on small subgraphs: what enters it, what stays out, and what does not matter to it. */
import { deriveContract } from './contracts';
import type { SubgraphSource } from './composition';
import { compareContracts } from './schema-gate';

const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@tag", "@inaccessible"])`;

const catalogue = (extra = '') => `${LINK}
"""Entry points."""
type Query {
  """A product."""
  product(
    """Its id."""
    id: ID!
  ): Product @tag(name: "partner")
  """Stock counts (internal)."""
  stockReport: [Product!]!
  ${extra}
}
"""A product."""
type Product @key(fields: "id") @tag(name: "partner") {
  """Id."""
  id: ID!
  """Name."""
  name: String!
  """Kind."""
  kind: Kind!
}
"""Kinds."""
enum Kind {
  """Books."""
  BOOK
}
`;

const people = (extra = '') => `${LINK}
"""Entry points."""
type Query {
  """The signed-in user."""
  me: User
}
"""A user."""
type User @key(fields: "id") {
  """Id."""
  id: ID!
  """E-mail."""
  email: String!
  ${extra}
}
"""A product (owned elsewhere)."""
type Product @key(fields: "id") {
  """Id."""
  id: ID!
  """Who bought it last."""
  lastBuyer: User
  """Internal score."""
  score: Float
}
`;

const sources = (catalogueSdl = catalogue(), peopleSdl = people()): SubgraphSource[] => [
  { name: 'catalogue', url: 'http://catalogue', sdl: catalogueSdl },
  { name: 'people', url: 'http://people', sdl: peopleSdl },
];

describe('deriveContract', () => {
  it('keeps what the tag reaches and hides everything else', () => {
    const { apiSdl, supergraphSdl } = deriveContract(sources(), 'partner');
    expect(apiSdl).toContain('product(');
    expect(apiSdl).toContain('enum Kind');
    expect(apiSdl).not.toMatch(/stockReport|User|email|lastBuyer|score|\bme\b/);
    // The contract supergraph still knows the hidden parts (for query plans), marked @inaccessible.
    expect(supergraphSdl).toMatch(/lastBuyer: User[^\n]*@inaccessible/);
  });

  it('refuses a tagged field whose object type has nothing tagged', () => {
    const leaky = people().replace('  lastBuyer: User', '  lastBuyer: User @tag(name: "partner")');
    expect(() => deriveContract(sources(catalogue(), leaky), 'partner')).toThrow(
      /Product\.lastBuyer returns User, which has no field tagged "partner"/,
    );
  });

  it('drops tagged types that no contract field leads to', () => {
    const orphan = catalogue().replace(
      '"""Kinds."""',
      '"""Orphan."""\ntype Orphan @tag(name: "partner") {\n  """X."""\n  x: Int\n}\n"""Kinds."""',
    );
    expect(deriveContract(sources(orphan), 'partner').apiSdl).not.toContain('Orphan');
  });

  it('does not change when only what lies outside the contract changes', async () => {
    const before = deriveContract(sources(), 'partner').apiSdl;
    const after = deriveContract(
      sources(
        catalogue('"""New internal field."""\n  audit(since: String!): [Product!]!'),
        people('"""Phone."""\n  phone: String!').replace(/\s+"""Internal score."""\n\s+score: Float/, ''),
      ),
      'partner',
    ).apiSdl;
    expect(after).toBe(before);
    expect(await compareContracts(before, after)).toEqual({ breaking: [], dangerous: [], safe: [] });
  });
});
