/** Writes docs/configuration.md and docs/configuration.schema.json from the declared options (npm run config:docs). */
import fs from 'node:fs';
import path from 'node:path';
import { CONFIGURATION_DOC, CONFIGURATION_SCHEMA, configurationJsonSchema, configurationMarkdown } from '../platform/config/docs';
import { FEATURES } from '../platform/config/features';
import { fromRoot } from '../platform/paths';

for (const [file, text] of [
  [CONFIGURATION_DOC, configurationMarkdown(FEATURES)],
  [CONFIGURATION_SCHEMA, configurationJsonSchema(FEATURES)],
] as const) {
  fs.mkdirSync(path.dirname(fromRoot(file)), { recursive: true });
  fs.writeFileSync(fromRoot(file), text);
  console.log(`wrote ${file}`);
}
