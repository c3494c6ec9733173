/** Where a benchmark keeps its figures: bench/results/<name>.json, pretty-printed for diffs. */
import fs from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../platform/paths';

export function writeResults(name: string, result: unknown): void {
  const out = fromRoot('bench', 'results', `${name}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
