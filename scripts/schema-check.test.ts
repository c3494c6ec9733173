/** `npm run schema:check` end to end: the contract composed from the code against a published file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PARTNER_API_SDL } from '../gateway/supergraph';
import { composeSupergraph, type SubgraphSource } from './composition';
import { schemaCheck } from './schema-check';

describe('schemaCheck', () => {
  let sources: SubgraphSource[];
  let folder: string;

  beforeAll(async () => {
    sources = (await composeSupergraph()).sources;
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-check-'));
  });

  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  const published = (sdl: string) => {
    const file = path.join(folder, `${crypto.randomUUID()}.graphql`);
    fs.writeFileSync(file, sdl);
    return file;
  };

  it('passes the code against the committed contract', async () => {
    const result = await schemaCheck({ sources });
    expect(result.changes.breaking).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  it('fails, listing it, when the code lost a published field', async () => {
    // The published contract promised Product.legacyCode; the code no longer has it.
    const sdl = fs
      .readFileSync(PARTNER_API_SDL, 'utf8')
      .replace(/^type Product \{\n/m, 'type Product {\n  """Old code."""\n  legacyCode: String\n\n');
    const result = await schemaCheck({ sources, publishedFile: published(sdl) });
    expect(result.exitCode).toBe(1);
    expect(result.lines.filter((line) => line.startsWith('BREAKING'))).toEqual([
      expect.stringMatching(/^BREAKING Product\.legacyCode: Field 'legacyCode' .*removed/),
    ]);
    expect(result.lines.at(-1)).toMatch(/--accept-breaking/);
  });

  it('ignores changes to the code outside the contract', async () => {
    const users = sources.find((source) => source.name === 'users')!;
    const changed = sources.map((source) =>
      source === users
        ? {
            ...source,
            sdl: source.sdl.replace(/^type User\b([^{]*)\{/m, 'type User$1{\n  """Phone."""\n  phone(format: String!): String!\n'),
          }
        : source,
    );
    expect(changed.find((source) => source.name === 'users')!.sdl).toContain('phone(format: String!)');
    const result = await schemaCheck({ sources: changed });
    expect(result.exitCode).toBe(0);
    expect(result.changes).toEqual({ breaking: [], dangerous: [], safe: [] });
  });
});
