/** The committed rules and dashboards are what their TypeScript sources write (`npm run observability` writes them). */
import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../platform/paths';
import { DASHBOARDS_DIR } from './grafana/render';
import { generatedFiles } from './outputs';

describe('generated observability files', () => {
  const files = generatedFiles();

  it.each(files.map((file) => [file.path, file.text]))('%s is what the sources write (npm run observability)', (file, text) => {
    expect(fs.existsSync(fromRoot(file))).toBe(true);
    expect(fs.readFileSync(fromRoot(file), 'utf8')).toBe(text);
  });

  it('leaves no dashboard behind that no source writes any more', () => {
    const written = new Set(files.map((file) => file.path));
    const committed = fs.readdirSync(fromRoot(DASHBOARDS_DIR)).map((name) => path.posix.join(DASHBOARDS_DIR, name));
    expect(committed.filter((file) => !written.has(file))).toEqual([]);
  });
});
