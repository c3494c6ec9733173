/**
 * Writes docs/privacy-export.schema.json from the archive's one definition (platform/privacy-export.ts):
 * `npm run -s build && node dist/scripts/privacy-export-schema.js`. Its test fails while the file differs.
 */
import fs from 'node:fs';
import { fromRoot } from '../platform/paths';
import { EXPORT_SCHEMA_FILE, exportArchiveJsonSchema } from '../platform/privacy-export';

fs.writeFileSync(fromRoot(EXPORT_SCHEMA_FILE), exportArchiveJsonSchema());
console.log(`wrote ${EXPORT_SCHEMA_FILE}`);
