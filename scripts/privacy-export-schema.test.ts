import fs from 'node:fs';
import { fromRoot } from '../platform/paths';
import { EXPORT_SCHEMA_FILE, exportArchiveJsonSchema } from '../platform/privacy-export';

describe('published data export schema', () => {
  it(`${EXPORT_SCHEMA_FILE} matches the archive's definition (scripts/privacy-export-schema.ts writes it)`, () => {
    expect(fs.readFileSync(fromRoot(EXPORT_SCHEMA_FILE), 'utf8')).toBe(exportArchiveJsonSchema());
  });
});
