import fs from 'node:fs';
import { CONFIGURATION_DOC, CONFIGURATION_SCHEMA, configurationJsonSchema, configurationMarkdown } from '../platform/config/docs';
import { FEATURES } from '../platform/config/features';
import { fromRoot } from '../platform/paths';

describe('generated configuration reference', () => {
  it.each([
    [CONFIGURATION_DOC, () => configurationMarkdown(FEATURES)],
    [CONFIGURATION_SCHEMA, () => configurationJsonSchema(FEATURES)],
  ])('%s matches the declared options (npm run config:docs writes it)', (file, generate) => {
    expect(fs.readFileSync(fromRoot(file), 'utf8')).toBe(generate());
  });

  it('declares each variable once', () => {
    const names = FEATURES.flatMap((feature) => Object.keys(feature.options));
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });
});
